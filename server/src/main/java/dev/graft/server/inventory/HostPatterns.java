package dev.graft.server.inventory;

import java.util.ArrayList;
import java.util.List;

/**
 * Ansible host ranges: {@code k8s-node[4:6]}, {@code node[01:03]} (zero-padded), {@code web-[a:c]},
 * {@code node[1:9:2]} (with a step), several ranges in one pattern. Bounded so a pattern like
 * {@code n[0:999999999]} is an error, not an out-of-memory.
 */
final class HostPatterns {
  static final int MAX_HOSTS = 4096;

  private HostPatterns() {}

  static List<String> expand(String pattern, int line, Problems p) {
    List<String> out = new ArrayList<>();
    expand(pattern, line, p, out);
    return out;
  }

  private static void expand(String pattern, int line, Problems p, List<String> out) {
    int open = pattern.indexOf('[');
    if (open < 0) {
      if (pattern.indexOf(']') >= 0) {
        throw p.fatal(line, "host", "\"" + YRead.clip(pattern) + "\" has a ] without [");
      }
      add(out, pattern, line, p);
      return;
    }
    int close = pattern.indexOf(']', open);
    if (close < 0) {
      throw p.fatal(line, "host", "host range in \"" + YRead.clip(pattern) + "\" lacks ]");
    }
    String head = pattern.substring(0, open);
    String tail = pattern.substring(close + 1);
    String[] parts = pattern.substring(open + 1, close).split(":", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw p.fatal(
          line,
          "host",
          "host range ["
              + YRead.clip(pattern.substring(open + 1, close))
              + "] must be [begin:end] or [begin:end:step]");
    }
    String beg = parts[0].isEmpty() ? "0" : parts[0];
    String end = parts[1];
    int step = 1;
    if (parts.length == 3) {
      Integer s = YRead.parseInt(parts[2], line, "host", 1, MAX_HOSTS, p);
      if (s == null) {
        p.throwIfAny(); // parseInt has reported the bad step
      }
      step = s;
    }
    List<String> values = new ArrayList<>();
    if (digits(beg) && digits(end)) {
      if (beg.length() > 9 || end.length() > 9) {
        throw p.fatal(line, "host", "host range bounds are too large");
      }
      int width = beg.length() > 1 && beg.charAt(0) == '0' ? beg.length() : 0;
      if (width > 0 && end.length() != width) {
        throw p.fatal(
            line,
            "host",
            "zero-padded host range ["
                + beg
                + ":"
                + end
                + "] needs begin and end of the same width");
      }
      long b = Long.parseLong(beg);
      long e = Long.parseLong(end);
      if (e < b) {
        throw p.fatal(line, "host", "host range [" + beg + ":" + end + "] ends before it begins");
      }
      if ((e - b) / step + 1 > MAX_HOSTS) {
        throw p.fatal(
            line,
            "host",
            "host range [" + beg + ":" + end + "] has more than " + MAX_HOSTS + " hosts");
      }
      for (long v = b; v <= e; v += step) {
        String s = Long.toString(v);
        values.add(width > 0 ? "0".repeat(Math.max(0, width - s.length())) + s : s);
      }
    } else if (beg.length() == 1
        && end.length() == 1
        && Character.isLetter(beg.charAt(0))
        && Character.isLetter(end.charAt(0))
        && beg.charAt(0) <= end.charAt(0)
        && beg.charAt(0) < 128
        && end.charAt(0) < 128) {
      for (char c = beg.charAt(0); c <= end.charAt(0); c += (char) step) {
        values.add(String.valueOf(c));
      }
    } else {
      throw p.fatal(
          line,
          "host",
          "host range ["
              + YRead.clip(beg)
              + ":"
              + YRead.clip(end)
              + "] must be numeric ([1:3], [01:03]) or single letters ([a:c])");
    }
    for (String v : values) {
      expand(head + v + tail, line, p, out);
      if (out.size() > MAX_HOSTS) {
        throw p.fatal(line, "host", "host pattern expands to more than " + MAX_HOSTS + " hosts");
      }
    }
  }

  private static void add(List<String> out, String host, int line, Problems p) {
    out.add(host);
    if (out.size() > MAX_HOSTS) {
      throw p.fatal(line, "host", "host pattern expands to more than " + MAX_HOSTS + " hosts");
    }
  }

  private static boolean digits(String s) {
    return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
  }
}
