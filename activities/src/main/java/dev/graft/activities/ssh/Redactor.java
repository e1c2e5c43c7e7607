package dev.graft.activities.ssh;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Removes secrets (join tokens, certificate keys) from text before it is reported or logged: the
 * ones the caller names, and anything shaped like a bootstrap token or a certificate key, for
 * output that an attempt reads without knowing the secrets (a run an earlier attempt started).
 */
public final class Redactor {
  public static final String MASK = "<redacted>";

  private static final Pattern BOOTSTRAP_TOKEN =
      Pattern.compile("\\b[a-z0-9]{6}\\.[a-z0-9]{16}\\b");
  private static final Pattern CERTIFICATE_KEY =
      Pattern.compile("(certificate-key[^0-9a-fA-F\\n]{0,8})[0-9a-fA-F]{64}");

  private Redactor() {}

  public static String redact(String text, List<String> secrets) {
    if (text == null) {
      return null;
    }
    if (secrets == null) {
      secrets = List.of();
    }
    String out = BOOTSTRAP_TOKEN.matcher(text).replaceAll(MASK);
    out = CERTIFICATE_KEY.matcher(out).replaceAll("$1" + MASK);
    for (String s : secrets) {
      if (s != null && s.length() >= 6) {
        out = out.replace(s, MASK);
      }
    }
    return out;
  }
}
