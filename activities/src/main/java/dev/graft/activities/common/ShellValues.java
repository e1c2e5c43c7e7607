package dev.graft.activities.common;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validators for values that end up in remote commands or files on hosts. Each returns the value
 * unchanged when it is valid and otherwise throws {@link InvalidValueException} naming the field
 * (callers pass a path such as {@code "nodes[2].name"} or {@code "cluster.yaml:14 nodes[2].name"}),
 * the value and the rule.
 *
 * <p>Validation is the first line (reject what cannot be right, with a message a person can act
 * on); quoting with {@link Shell} is the second (nothing that passes is ever interpreted by the
 * shell). Both always apply.
 */
public final class ShellValues {
  private static final Pattern DNS1123_LABEL =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern HOST_LABEL =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?");
  private static final Pattern SYSCTL_KEY =
      Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]*([./][A-Za-z0-9_][A-Za-z0-9_-]*)+");
  private static final Pattern KERNEL_MODULE = Pattern.compile("[A-Za-z0-9_-]{1,55}");
  private static final Pattern UNIT_NAME =
      Pattern.compile("[A-Za-z0-9:_.\\\\-]+(@[A-Za-z0-9:_.\\\\-]*)?\\.([a-z]+)");
  private static final Set<String> UNIT_TYPES =
      Set.of(
          "service",
          "socket",
          "target",
          "device",
          "mount",
          "automount",
          "swap",
          "timer",
          "path",
          "slice",
          "scope");
  private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,30}\\$?");
  private static final Pattern SYSCTL_VALUE = Pattern.compile("[\\x20-\\x7e]{1,256}");
  private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
  private static final int MAX_PATH = 4096;

  private ShellValues() {}

  /**
   * A DNS-1123 label (Kubernetes namespace or cluster name): lowercase alphanumerics and '-', at
   * most 63.
   */
  public static String dns1123Label(String field, String value) {
    if (value == null || !DNS1123_LABEL.matcher(value).matches()) {
      throw new InvalidValueException(
          field,
          value,
          "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit,"
              + " at most 63 characters (for example \"k8s-node1\")");
    }
    return value;
  }

  /**
   * A DNS-1123 subdomain (Kubernetes node name): dot-separated DNS-1123 labels, at most 253
   * characters.
   */
  public static String dns1123Subdomain(String field, String value) {
    String rule =
        "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each dot-separated part"
            + " starting and ending with a letter or digit, at most 253 characters (for example \"k8s-node1.lab\")";
    if (value == null || value.isEmpty() || value.length() > 253) {
      throw new InvalidValueException(field, value, rule);
    }
    for (String label : value.split("\\.", -1)) {
      if (!DNS1123_LABEL.matcher(label).matches()) {
        throw new InvalidValueException(field, value, rule);
      }
    }
    return value;
  }

  /** An SSH host: an IPv4 or IPv6 literal or an RFC 1123 host name (letters may be upper case). */
  public static String host(String field, String value) {
    if (value != null && (isIpv4(value) || isIpv6(value))) {
      return value;
    }
    String rule =
        "must be an IPv4 address, an IPv6 address or a host name (letters, digits, '-' and '.')";
    if (value == null || value.isEmpty() || value.length() > 253) {
      throw new InvalidValueException(field, value, rule);
    }
    for (String label : value.split("\\.", -1)) {
      if (!HOST_LABEL.matcher(label).matches()) {
        throw new InvalidValueException(field, value, rule);
      }
    }
    return value;
  }

  /**
   * A dotted-quad IPv4 address; leading zeros are refused because some tools read them as octal.
   */
  public static String ipv4(String field, String value) {
    if (!isIpv4(value)) {
      throw new InvalidValueException(
          field,
          value,
          "must be an IPv4 address: four decimal numbers 0-255 without leading zeros, like 10.213.0.11");
    }
    return value;
  }

  /**
   * An IPv6 address in any RFC 4291 text form (with "::" and an embedded IPv4 tail); zone ids are
   * refused.
   */
  public static String ipv6(String field, String value) {
    if (!isIpv6(value)) {
      throw new InvalidValueException(
          field, value, "must be an IPv6 address like fd00:10:213::11 (no brackets, no %zone)");
    }
    return value;
  }

  /** An IPv4 or IPv6 address. */
  public static String ip(String field, String value) {
    if (!isIpv4(value) && !isIpv6(value)) {
      throw new InvalidValueException(field, value, "must be an IPv4 or IPv6 address");
    }
    return value;
  }

  /**
   * A CIDR such as {@code 10.96.0.0/12} or {@code fd00::/64}. Host bits must be zero: {@code
   * 10.96.0.1/12} is almost always a typo, and tools disagree on whether they round it down.
   */
  public static String cidr(String field, String value) {
    String rule =
        "must be a CIDR: an IPv4 or IPv6 network address, '/', and a prefix length (IPv4 0-32, IPv6 0-128),"
            + " like 10.96.0.0/12";
    if (value == null) {
      throw new InvalidValueException(field, value, rule);
    }
    int slash = value.indexOf('/');
    if (slash < 0 || slash != value.lastIndexOf('/')) {
      throw new InvalidValueException(field, value, rule);
    }
    String address = value.substring(0, slash);
    String prefixText = value.substring(slash + 1);
    boolean v4 = isIpv4(address);
    if (!v4 && !isIpv6(address)) {
      throw new InvalidValueException(field, value, rule);
    }
    int max = v4 ? 32 : 128;
    if (!prefixText.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(prefixText) > max) {
      throw new InvalidValueException(field, value, rule);
    }
    int prefix = Integer.parseInt(prefixText);
    byte[] bytes = v4 ? ipv4Bytes(address) : ipv6Bytes(address);
    for (int bit = prefix; bit < max; bit++) {
      if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        throw new InvalidValueException(
            field,
            value,
            "has host bits set after the /"
                + prefix
                + " prefix; use the network address of the range");
      }
    }
    return value;
  }

  /**
   * An absolute file path: starts with '/', no NUL, newline or carriage return, no ".." segment, at
   * most 4096.
   */
  public static String absolutePath(String field, String value) {
    String rule =
        "must be an absolute path (starting with '/') without NUL, newline, carriage return or '..'"
            + " segments, at most "
            + MAX_PATH
            + " characters";
    if (value == null
        || !value.startsWith("/")
        || value.length() > MAX_PATH
        || value.indexOf('\0') >= 0
        || value.indexOf('\n') >= 0
        || value.indexOf('\r') >= 0) {
      throw new InvalidValueException(field, value, rule);
    }
    for (String segment : value.split("/", -1)) {
      if (segment.equals("..")) {
        throw new InvalidValueException(field, value, rule);
      }
    }
    return value;
  }

  /**
   * A sysctl key such as {@code net.ipv4.ip_forward} or {@code net/bridge/bridge-nf-call-iptables}.
   */
  public static String sysctlKey(String field, String value) {
    if (value == null || value.length() > 256 || !SYSCTL_KEY.matcher(value).matches()) {
      throw new InvalidValueException(
          field,
          value,
          "must be a sysctl key: at least two segments of letters, digits, '_' and '-', separated by '.' or '/'"
              + " (for example net.ipv4.ip_forward)");
    }
    return value;
  }

  /**
   * A sysctl value: printable ASCII on one line (it is written into /etc/sysctl.d as "key =
   * value").
   */
  public static String sysctlValue(String field, String value) {
    if (value == null || !SYSCTL_VALUE.matcher(value).matches() || !value.strip().equals(value)) {
      throw new InvalidValueException(
          field,
          value,
          "must be 1-256 printable ASCII characters on one line without leading or trailing spaces");
    }
    return value;
  }

  /**
   * A kernel module name as modprobe takes it: letters, digits, '_' and '-', at most 55 characters.
   */
  public static String kernelModule(String field, String value) {
    if (value == null || !KERNEL_MODULE.matcher(value).matches()) {
      throw new InvalidValueException(
          field,
          value,
          "must be a kernel module name: letters, digits, '_' and '-', at most 55 characters (like br_netfilter)");
    }
    return value;
  }

  /**
   * A systemd unit name with its type suffix, such as {@code firewalld.service} or {@code
   * getty@tty1.service}.
   */
  public static String unitName(String field, String value) {
    var matcher = value == null || value.length() > 255 ? null : UNIT_NAME.matcher(value);
    if (matcher == null
        || !matcher.matches()
        || !UNIT_TYPES.contains(matcher.group(2))
        || value.startsWith("-")) {
      throw new InvalidValueException(
          field,
          value,
          "must be a systemd unit name: letters, digits, ':', '_', '.', '\\', '-' and one optional '@',"
              + " not starting with '-', ending in a unit type such as .service, .socket, .mount or .timer");
    }
    return value;
  }

  /** A login name as useradd accepts it by default (and so as sshd and sudo see it). */
  public static String userName(String field, String value) {
    if (value == null || !USER_NAME.matcher(value).matches()) {
      throw new InvalidValueException(
          field,
          value,
          "must be a user name: a lowercase letter or '_', then lowercase letters, digits, '_' or '-',"
              + " at most 32 characters");
    }
    return value;
  }

  /** A TCP/UDP port 1-65535. */
  public static int port(String field, int value) {
    if (value < 1 || value > 65535) {
      throw new InvalidValueException(
          field, Integer.toString(value), "must be a port number from 1 to 65535");
    }
    return value;
  }

  /** A port given as text (from an inventory or a command line). */
  public static int port(String field, String value) {
    if (value == null || !value.matches("[1-9][0-9]{0,4}")) {
      throw new InvalidValueException(field, value, "must be a port number from 1 to 65535");
    }
    return port(field, Integer.parseInt(value));
  }

  static boolean isIpv4(String value) {
    return ipv4Bytes(value) != null;
  }

  static boolean isIpv6(String value) {
    return ipv6Bytes(value) != null;
  }

  private static byte[] ipv4Bytes(String value) {
    if (value == null) {
      return null;
    }
    String[] parts = value.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      if (!parts[i].matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(parts[i]) > 255) {
        return null;
      }
      bytes[i] = (byte) Integer.parseInt(parts[i]);
    }
    return bytes;
  }

  /**
   * Parses RFC 4291 text forms without touching the resolver (InetAddress may do DNS for
   * non-literals).
   */
  private static byte[] ipv6Bytes(String value) {
    if (value == null || value.length() < 2 || value.length() > 45 || value.indexOf(':') < 0) {
      return null;
    }
    int gap = value.indexOf("::");
    if (gap >= 0 && value.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String head = gap >= 0 ? value.substring(0, gap) : value;
    String tail = gap >= 0 ? value.substring(gap + 2) : "";
    int[] headGroups = groups(head, gap < 0);
    int[] tailGroups = groups(tail, true);
    if (headGroups == null || tailGroups == null) {
      return null;
    }
    if (gap >= 0 && headGroups.length == 0 && head.length() > 0) {
      return null;
    }
    int total = headGroups.length + tailGroups.length;
    if ((gap < 0 && total != 8) || (gap >= 0 && total > 7)) {
      return null;
    }
    int[] all = new int[8];
    System.arraycopy(headGroups, 0, all, 0, headGroups.length);
    System.arraycopy(tailGroups, 0, all, 8 - tailGroups.length, tailGroups.length);
    byte[] bytes = new byte[16];
    for (int i = 0; i < 8; i++) {
      bytes[2 * i] = (byte) (all[i] >>> 8);
      bytes[2 * i + 1] = (byte) all[i];
    }
    return bytes;
  }

  /**
   * Splits colon-separated hex groups; the last part may be an IPv4 tail when {@code
   * lastMayBeIpv4}.
   */
  private static int[] groups(String part, boolean lastMayBeIpv4) {
    if (part.isEmpty()) {
      return new int[0];
    }
    String[] words = part.split(":", -1);
    int count = words.length;
    byte[] v4 =
        lastMayBeIpv4 && words[count - 1].contains(".") ? ipv4Bytes(words[count - 1]) : null;
    int[] out = new int[v4 != null ? count + 1 : count];
    for (int i = 0; i < count; i++) {
      if (i == count - 1 && v4 != null) {
        out[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
        out[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
      } else if (HEX_GROUP.matcher(words[i]).matches()) {
        out[i] = Integer.parseInt(words[i], 16);
      } else {
        return null;
      }
    }
    return out;
  }
}
