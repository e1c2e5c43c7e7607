package dev.graft.server.inventory;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, positioned reads from a {@link YNode} tree. Every method reports a problem at the node's
 * line and returns null when the value is missing or of the wrong type, so a caller can read a
 * whole document and have every problem reported at once.
 */
final class YRead {
  private final Problems problems;

  YRead(Problems problems) {
    this.problems = problems;
  }

  Problems problems() {
    return problems;
  }

  YNode.YMap map(YNode node, String field) {
    if (node == null || node instanceof YNode.YScalar s && s.isNull()) {
      return null;
    }
    if (node instanceof YNode.YMap m) {
      return m;
    }
    problems.add(node.line(), field, "expected a mapping, found " + node.kind());
    return null;
  }

  YNode.YSeq seq(YNode node, String field) {
    if (node == null || node instanceof YNode.YScalar s && s.isNull()) {
      return null;
    }
    if (node instanceof YNode.YSeq q) {
      return q;
    }
    problems.add(node.line(), field, "expected a list, found " + node.kind());
    return null;
  }

  /** A non-empty scalar, or null (with a problem when the node is there but not a scalar). */
  String string(YNode node, String field) {
    if (node == null) {
      return null;
    }
    if (node instanceof YNode.YScalar s) {
      return s.isNull() ? null : s.value();
    }
    problems.add(node.line(), field, "expected a value, found " + node.kind());
    return null;
  }

  String required(YNode.YMap map, String key, String field, int lineIfMissing) {
    YNode n = map == null ? null : map.get(key);
    String v = string(n, field);
    if (v == null || v.isBlank()) {
      if (n == null || n instanceof YNode.YScalar) {
        problems.add(n == null ? lineIfMissing : n.line(), field, "is required");
      }
      return null;
    }
    return v;
  }

  Integer integer(YNode node, String field, int min, int max) {
    String v = string(node, field);
    if (v == null) {
      return null;
    }
    return parseInt(v, node.line(), field, min, max, problems);
  }

  Boolean bool(YNode node, String field) {
    String v = string(node, field);
    if (v == null) {
      return null;
    }
    return parseBool(v, node.line(), field, problems);
  }

  /** Reports every key of {@code map} outside {@code allowed}: catches typos like "adress". */
  void allowOnly(YNode.YMap map, String prefix, Set<String> allowed) {
    if (map == null) {
      return;
    }
    for (YNode.Entry e : map.entries().values()) {
      if (!allowed.contains(e.key())) {
        problems.add(
            e.keyLine(),
            prefix + e.key(),
            "unknown field (known: " + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
    }
  }

  static Integer parseInt(String v, int line, String field, int min, int max, Problems p) {
    String t = v.trim();
    if (t.isEmpty() || t.length() > 9 || !t.chars().allMatch(Character::isDigit)) {
      p.add(
          line,
          field,
          "\"" + clip(v) + "\" is not " + (max == 65535 ? "a port number" : "a whole number"));
      return null;
    }
    int n = Integer.parseInt(t);
    if (n < min || n > max) {
      p.add(line, field, n + " is outside " + min + ".." + max);
      return null;
    }
    return n;
  }

  /** Ansible's and YAML 1.1's booleans: true/false, yes/no, on/off, 1/0, any case. */
  static Boolean parseBool(String v, int line, String field, Problems p) {
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1", "y":
        return true;
      case "false", "no", "off", "0", "n":
        return false;
      default:
        p.add(line, field, "\"" + clip(v) + "\" is not a boolean (true or false)");
        return null;
    }
  }

  static String clip(String s) {
    String one = s.replace("\n", "\\n").replace("\r", "\\r");
    return one.length() > 80 ? one.substring(0, 80) + "..." : one;
  }
}
