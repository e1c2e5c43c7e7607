package dev.graft.activities.node;

import java.util.List;

/** Removes secrets (join tokens, certificate keys) from text before it is reported or logged. */
public final class Redactor {
  public static final String MASK = "<redacted>";

  private Redactor() {}

  public static String redact(String text, List<String> secrets) {
    if (text == null || secrets == null) {
      return text;
    }
    String out = text;
    for (String s : secrets) {
      if (s != null && s.length() >= 6) {
        out = out.replace(s, MASK);
      }
    }
    return out;
  }
}
