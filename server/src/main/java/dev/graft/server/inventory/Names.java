package dev.graft.server.inventory;

import java.util.regex.Pattern;

/** Kubernetes' and POSIX's naming rules, used by validation and defaults. */
final class Names {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern HOST_LABEL =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?");
  private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
  private static final Pattern LABEL_NAME =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

  private Names() {}

  /** RFC 1123 label as Kubernetes uses it: lower case, digits, '-', at most 63. */
  static boolean isDnsLabel(String s) {
    return s != null && s.length() <= 63 && DNS_LABEL.matcher(s).matches();
  }

  /** RFC 1123 subdomain (a Kubernetes node name): dot-separated labels, at most 253. */
  static boolean isDnsSubdomain(String s) {
    if (s == null || s.isEmpty() || s.length() > 253) {
      return false;
    }
    for (String label : s.split("\\.", -1)) {
      if (!isDnsLabel(label)) {
        return false;
      }
    }
    return true;
  }

  /** A host name as SSH and DNS take it (upper case allowed, a trailing dot not). */
  static boolean isHostName(String s) {
    if (s == null || s.isEmpty() || s.length() > 253) {
      return false;
    }
    for (String label : s.split("\\.", -1)) {
      if (label.length() > 63 || !HOST_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  static boolean isUserName(String s) {
    return s != null && USER.matcher(s).matches();
  }

  /** A label or taint key: optional DNS-subdomain prefix and "/", then a name of at most 63. */
  static boolean isQualifiedName(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    int slash = s.indexOf('/');
    String name = s;
    if (slash >= 0) {
      if (!isDnsSubdomain(s.substring(0, slash))) {
        return false;
      }
      name = s.substring(slash + 1);
    }
    return name.length() <= 63 && LABEL_NAME.matcher(name).matches();
  }

  /** A label or taint value: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending alnum. */
  static boolean isLabelValue(String s) {
    return s != null && (s.isEmpty() || s.length() <= 63 && LABEL_NAME.matcher(s).matches());
  }
}
