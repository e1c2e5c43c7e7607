package dev.graft.activities.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.graft.activities.testing.RandomStrings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quoting, checked by the only judge that matters: a real /bin/sh. Random strings (any character
 * but NUL, biased towards shell metacharacters) must come back byte for byte from {@code printf %s
 * <quoted>}.
 */
class ShellTest {
  @TempDir Path dir;

  @Test
  void quotesEveryArgumentWithSingleQuotes() {
    assertEquals("''", Shell.quote(""));
    assertEquals("'abc'", Shell.quote("abc"));
    assertEquals("'it'\\''s'", Shell.quote("it's"));
    assertEquals("'rm' '-rf' 'a;rm -rf /'", Shell.command("rm", "-rf", "a;rm -rf /"));
    assertEquals("'FOO=bar' 'x'", Shell.command("FOO=bar", "x"));
    assertEquals("'a' && 'b'", Shell.and(Shell.command("a"), Shell.command("b")));
    assertThrows(InvalidValueException.class, () -> Shell.quote("a\0b"));
    assertThrows(IllegalArgumentException.class, () -> Shell.command(List.of()));
  }

  @Test
  void randomStringsRoundTripThroughRealShell() throws Exception {
    Random random = new Random(20240501L);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      values.add(RandomStrings.nasty(random, i < 200 ? 12 : 200));
    }
    values.add("");
    values.add("'");
    values.add("''''");
    values.add("\\'");
    values.add("$(touch " + dir.resolve("pwned") + ")");
    // One shell run per batch keeps the test fast; each value is its own quoted argument,
    // NUL-separated on output.
    for (int from = 0; from < values.size(); from += 100) {
      List<String> batch = values.subList(from, Math.min(values.size(), from + 100));
      List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
      argv.addAll(batch);
      byte[] out = sh(Shell.command(argv));
      String[] got = new String(out, StandardCharsets.UTF_8).split("\0", -1);
      assertEquals(batch.size() + 1, got.length);
      for (int i = 0; i < batch.size(); i++) {
        assertEquals(batch.get(i), got[i], "value #" + (from + i));
      }
    }
    assertEquals(false, Files.exists(dir.resolve("pwned")));
  }

  @Test
  void singleValuesAndRandomBytesRoundTripExactly() throws Exception {
    Random random = new Random(99);
    for (int i = 0; i < 40; i++) {
      // Random bytes 0x01-0xFF taken as Latin-1 code points: every byte value except NUL appears.
      byte[] raw = new byte[random.nextInt(64)];
      for (int j = 0; j < raw.length; j++) {
        raw[j] = (byte) (1 + random.nextInt(255));
      }
      String value = new String(raw, StandardCharsets.ISO_8859_1);
      assertEquals(
          value, new String(sh("printf %s " + Shell.quote(value)), StandardCharsets.UTF_8));
    }
  }

  @Test
  void sudoWrapperKeepsTheInnerScriptIntact() throws Exception {
    String inner = Shell.command("printf", "%s", "a'b \"c\" $d");
    // Same shape as Shell.sudo without the sudo word: sh -c '<inner>' must run the inner script
    // unchanged.
    String wrapped = Shell.sudo(inner).replaceFirst("^sudo -n -- ", "");
    assertEquals("a'b \"c\" $d", new String(sh(wrapped), StandardCharsets.UTF_8));
  }

  /** Runs the script with /bin/sh from a file, so its bytes reach the shell exactly as encoded. */
  private byte[] sh(String script) throws IOException, InterruptedException {
    Path file = Files.createTempFile(dir, "q", ".sh");
    Files.write(file, script.getBytes(StandardCharsets.UTF_8));
    Process p = new ProcessBuilder("/bin/sh", file.toString()).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("sh did not finish");
    }
    assertEquals(0, p.exitValue(), out.toString(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
