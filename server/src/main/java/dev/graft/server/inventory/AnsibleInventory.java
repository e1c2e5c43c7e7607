package dev.graft.server.inventory;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * An Ansible inventory as both kubespray formats (INI and YAML) describe it: hosts, groups,
 * children and variables, each with the line it came from. The kubespray mapper turns it into a
 * cluster.
 */
final class AnsibleInventory {
  static final String ALL = "all";

  /**
   * A variable: {@code value} for scalars, {@code node} for mappings and lists that only a YAML
   * inventory can express (node_labels, node_taints, loadbalancer_apiserver).
   */
  record Var(String name, String value, YNode node, int line) {}

  static final class Host {
    final String name;
    final int line;
    final Map<String, Var> vars = new LinkedHashMap<>();

    Host(String name, int line) {
      this.name = name;
      this.line = line;
    }
  }

  static final class Group {
    final String name;
    final int line;
    final Set<String> hosts = new LinkedHashSet<>();
    final Map<String, Integer> children = new LinkedHashMap<>();
    final Map<String, Var> vars = new LinkedHashMap<>();

    Group(String name, int line) {
      this.name = name;
      this.line = line;
    }
  }

  final Map<String, Host> hosts = new LinkedHashMap<>();
  final Map<String, Group> groups = new LinkedHashMap<>();

  AnsibleInventory() {
    groups.put(ALL, new Group(ALL, 0));
  }

  Group group(String name, int line) {
    return groups.computeIfAbsent(name, n -> new Group(n, line));
  }

  /** Hosts keep the order in which they first appear: it is the inventory order of the plan. */
  Host host(String name, int line) {
    return hosts.computeIfAbsent(name, n -> new Host(n, line));
  }
}
