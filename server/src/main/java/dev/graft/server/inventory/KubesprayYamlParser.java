package dev.graft.server.inventory;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Ansible's YAML inventory as kubespray writes it: top-level groups (normally only {@code
 * all}), each with {@code hosts}, {@code vars} and {@code children}, nested to any depth.
 */
final class KubesprayYamlParser {
  private static final Set<String> GROUP_KEYS = Set.of("hosts", "vars", "children");

  private KubesprayYamlParser() {}

  static AnsibleInventory parse(String text, Problems p) {
    List<YNode> docs = YamlTree.parseAll(text, p);
    if (docs.isEmpty()) {
      throw p.fatal(0, null, "the file is empty");
    }
    if (docs.size() > 1) {
      throw p.fatal(docs.get(1).line(), null, "an Ansible inventory holds one document");
    }
    YRead r = new YRead(p);
    YNode.YMap top = r.map(docs.get(0), "(document)");
    p.throwIfAny();
    if (top == null) {
      throw p.fatal(docs.get(0).line(), null, "expected a mapping of groups (all: ...)");
    }
    AnsibleInventory inv = new AnsibleInventory();
    for (YNode.Entry e : top.entries().values()) {
      group(inv, e.key(), e.keyLine(), e.value(), r, 0);
    }
    p.throwIfAny();
    return inv;
  }

  private static void group(
      AnsibleInventory inv, String name, int line, YNode body, YRead r, int depth) {
    if (depth > 20) {
      throw r.problems().fatal(line, name, "groups nest deeper than 20 levels");
    }
    AnsibleInventory.Group g = inv.group(name, line);
    YNode.YMap m = r.map(body, name);
    if (m == null) {
      return; // "group:" with nothing under it, as in k8s_cluster.children
    }
    r.allowOnly(m, name + ".", GROUP_KEYS);
    YNode.YMap hosts = r.map(m.get("hosts"), name + ".hosts");
    if (hosts != null) {
      for (YNode.Entry h : hosts.entries().values()) {
        for (String hostName : HostPatterns.expand(h.key(), h.keyLine(), r.problems())) {
          AnsibleInventory.Host host = inv.host(hostName, h.keyLine());
          if (!name.equals(AnsibleInventory.ALL)) {
            g.hosts.add(hostName);
          }
          vars(host.vars, h.value(), r, name + ".hosts." + hostName);
        }
      }
    }
    vars(g.vars, m.get("vars"), r, name + ".vars");
    YNode.YMap children = r.map(m.get("children"), name + ".children");
    if (children != null) {
      for (YNode.Entry c : children.entries().values()) {
        if (c.key().equals(AnsibleInventory.ALL) || c.key().equals(name)) {
          r.problems()
              .add(
                  c.keyLine(),
                  c.key(),
                  "a group cannot contain " + (c.key().equals(name) ? "itself" : "all"));
          continue;
        }
        g.children.put(c.key(), c.keyLine());
        group(inv, c.key(), c.keyLine(), c.value(), r, depth + 1);
      }
    }
  }

  private static void vars(
      Map<String, AnsibleInventory.Var> into, YNode node, YRead r, String field) {
    YNode.YMap m = r.map(node, field);
    if (m == null) {
      return;
    }
    for (YNode.Entry e : m.entries().values()) {
      YNode v = e.value();
      if (v instanceof YNode.YScalar s) {
        into.put(e.key(), new AnsibleInventory.Var(e.key(), s.value(), null, v.line()));
      } else {
        into.put(e.key(), new AnsibleInventory.Var(e.key(), null, v, e.keyLine()));
      }
    }
  }
}
