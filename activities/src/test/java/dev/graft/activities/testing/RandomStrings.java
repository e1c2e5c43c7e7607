package dev.graft.activities.testing;

import java.util.Random;

/** Generators for property tests of quoting. */
public final class RandomStrings {
  private static final String NASTY = "'\"\\$`!*?[]{}()<>|&;~#=%^ \t\n\r-\u0001\u001b\u007f";

  private RandomStrings() {}

  /**
   * Random text mixing shell metacharacters, control bytes and non-ASCII code points; never NUL.
   */
  public static String nasty(Random random, int maxLength) {
    int length = random.nextInt(maxLength + 1);
    StringBuilder out = new StringBuilder();
    while (out.length() < length) {
      int pick = random.nextInt(10);
      if (pick < 5) {
        out.append(NASTY.charAt(random.nextInt(NASTY.length())));
      } else if (pick < 7) {
        out.append((char) (1 + random.nextInt(0x7e)));
      } else {
        int cp;
        do {
          cp = 0x80 + random.nextInt(0x10FFFF - 0x80);
        } while (cp >= 0xD800 && cp <= 0xDFFF);
        out.appendCodePoint(cp);
      }
    }
    return out.toString();
  }
}
