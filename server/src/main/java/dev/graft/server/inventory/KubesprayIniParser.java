package dev.graft.server.inventory;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an Ansible INI inventory as kubespray uses it. Follows Ansible's INI rules: sections {@code
 * [group]}, {@code [group:vars]}, {@code [group:children]}; host lines "pattern key=value ..."
 * split like a shell line; lines starting with {@code #} or {@code ;} are comments; a {@code #}
 * word on a host line starts a comment.
 */
final class KubesprayIniParser {
  private static final Pattern SECTION =
      Pattern.compile("^\\[([^:\\]\\s\\[]+)(?::([A-Za-z]+))?\\]\\s*(?:[#;].*)?$");
  private static final Pattern VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern HOST_PORT = Pattern.compile("^([^:\\[\\]]+):(\\d{1,5})$");

  private enum Kind {
    HOSTS,
    VARS,
    CHILDREN
  }

  private KubesprayIniParser() {}

  static AnsibleInventory parse(String text, Problems p) {
    if (text.length() > YamlTree.MAX_CHARS) {
      throw p.fatal(0, null, "file is larger than 4 MiB; an inventory is never that large");
    }
    AnsibleInventory inv = new AnsibleInventory();
    AnsibleInventory.Group group = inv.group("ungrouped", 0);
    Kind kind = Kind.HOSTS;
    String[] lines = text.split("\r\n|\r|\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i].strip();
      if (lineNo == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1).strip();
      }
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[")) {
        Matcher m = SECTION.matcher(line);
        if (!m.matches()) {
          p.add(
              lineNo,
              null,
              "\""
                  + YRead.clip(line)
                  + "\" is not a section header ([group],"
                  + " [group:vars] or [group:children])");
          kind = null; // skip the section's lines rather than misread them
          continue;
        }
        String suffix = m.group(2);
        if (suffix != null && !suffix.equals("vars") && !suffix.equals("children")) {
          p.add(
              lineNo,
              null,
              "section [" + m.group(1) + ":" + suffix + "] is neither :vars nor" + " :children");
          kind = null;
          continue;
        }
        group = inv.group(m.group(1), lineNo);
        kind = suffix == null ? Kind.HOSTS : suffix.equals("vars") ? Kind.VARS : Kind.CHILDREN;
        continue;
      }
      if (kind == null) {
        continue;
      }
      switch (kind) {
        case HOSTS -> hostLine(inv, group, line, lineNo, p);
        case VARS -> varLine(group, line, lineNo, p);
        case CHILDREN -> childLine(inv, group, line, lineNo, p);
        default -> throw new IllegalStateException();
      }
    }
    p.throwIfAny();
    return inv;
  }

  /** The line's shell words; none when it has none or cannot be split (a problem is recorded). */
  private static List<String> words(String line, int lineNo, Problems p) {
    try {
      return ShellWords.split(line);
    } catch (IllegalArgumentException e) {
      p.add(lineNo, null, e.getMessage());
      return List.of();
    }
  }

  private static void hostLine(
      AnsibleInventory inv, AnsibleInventory.Group group, String line, int lineNo, Problems p) {
    List<String> words = words(line, lineNo, p);
    if (words.isEmpty()) {
      return;
    }
    String pattern = words.get(0);
    if (pattern.contains("=")) {
      p.add(
          lineNo,
          null,
          "a host line starts with the host name, not \"" + YRead.clip(pattern) + "\"");
      return;
    }
    String port = null;
    Matcher hp = HOST_PORT.matcher(pattern);
    if (hp.matches()) {
      pattern = hp.group(1);
      port = hp.group(2);
    }
    List<String> names = HostPatterns.expand(pattern, lineNo, p);
    for (String name : names) {
      AnsibleInventory.Host h = inv.host(name, lineNo);
      if (!group.name.equals(AnsibleInventory.ALL)) {
        group.hosts.add(name);
      }
      if (port != null) {
        h.vars.put("ansible_port", new AnsibleInventory.Var("ansible_port", port, null, lineNo));
      }
      for (String w : words.subList(1, words.size())) {
        int eq = w.indexOf('=');
        if (eq <= 0) {
          p.add(lineNo, null, "\"" + YRead.clip(w) + "\" after host " + name + " is not key=value");
          return;
        }
        String key = w.substring(0, eq);
        if (!VAR_NAME.matcher(key).matches()) {
          p.add(lineNo, key, "is not a valid variable name");
          continue;
        }
        h.vars.put(key, new AnsibleInventory.Var(key, w.substring(eq + 1), null, lineNo));
      }
    }
  }

  private static void varLine(AnsibleInventory.Group group, String line, int lineNo, Problems p) {
    int eq = line.indexOf('=');
    if (eq <= 0) {
      p.add(
          lineNo,
          null,
          "\"" + YRead.clip(line) + "\" in [" + group.name + ":vars] is not key=value");
      return;
    }
    String key = line.substring(0, eq).strip();
    if (!VAR_NAME.matcher(key).matches()) {
      p.add(lineNo, key, "is not a valid variable name");
      return;
    }
    String raw = line.substring(eq + 1).strip();
    String value;
    if (raw.startsWith("'") || raw.startsWith("\"")) {
      try {
        value = String.join(" ", ShellWords.split(raw));
      } catch (IllegalArgumentException e) {
        p.add(lineNo, key, e.getMessage());
        return;
      }
    } else {
      // Ansible keeps " # ..." in the value; Graft drops it, because kubespray inventories are
      // edited by hand and a trailing comment is never part of a subnet or a version.
      int hash = indexOfComment(raw);
      value = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
    }
    group.vars.put(key, new AnsibleInventory.Var(key, value, null, lineNo));
  }

  private static int indexOfComment(String s) {
    for (int i = 1; i < s.length(); i++) {
      if (s.charAt(i) == '#' && Character.isWhitespace(s.charAt(i - 1))) {
        return i;
      }
    }
    return -1;
  }

  private static void childLine(
      AnsibleInventory inv, AnsibleInventory.Group group, String line, int lineNo, Problems p) {
    List<String> words = words(line, lineNo, p);
    if (words.isEmpty()) {
      return;
    }
    if (words.size() > 1) {
      p.add(
          lineNo,
          null,
          "a ["
              + group.name
              + ":children] line names one group, found \""
              + YRead.clip(line)
              + "\"");
      return;
    }
    String child = words.get(0);
    if (child.equals(AnsibleInventory.ALL) || child.equals(group.name)) {
      p.add(
          lineNo, child, "a group cannot contain " + (child.equals(group.name) ? "itself" : "all"));
      return;
    }
    group.children.put(child, lineNo);
    inv.group(child, lineNo);
  }
}
