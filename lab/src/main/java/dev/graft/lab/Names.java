package dev.graft.lab;

import java.util.regex.Pattern;

/**
 * Validation of every value the lab puts into a shell command line or a file name. Values are also
 * passed as separate argv entries (never spliced into a shell string) wherever possible; the
 * patterns are the second line of defence.
 */
public final class Names {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern COMMAND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
  private static final Pattern ABS_PATH = Pattern.compile("/[A-Za-z0-9._+/@:-]*");

  private Names() {}

  /** A host or cluster name: a DNS-1123 label (it becomes a hostname and an inventory name). */
  public static String hostName(String what, String name) {
    if (name == null || !DNS_LABEL.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " '" + name + "' is not a DNS-1123 label ([a-z0-9-], at most 63, no leading '-')");
    }
    return name;
  }

  /** A command or daemon name used as a file name under /run/graft-lab and /usr/local/bin. */
  public static String command(String what, String name) {
    if (name == null || !COMMAND.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " '" + name + "' must match " + COMMAND.pattern() + " (no path, no shell syntax)");
    }
    return name;
  }

  /** An absolute path inside a host, without '..' and without shell metacharacters. */
  public static String absPath(String what, String path) {
    if (path == null
        || !ABS_PATH.matcher(path).matches()
        || path.contains("/../")
        || path.endsWith("/..")) {
      throw new IllegalArgumentException(
          what + " '" + path + "' must be an absolute path of [A-Za-z0-9._+/@:-] without '..'");
    }
    return path;
  }
}
