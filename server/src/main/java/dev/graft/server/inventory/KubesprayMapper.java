package dev.graft.server.inventory;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.model.Taint;
import dev.graft.workflows.model.ValidationOverrides;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a kubespray inventory (INI or YAML) into a cluster. The group-to-role table is in
 * docs/inventory.md; variables follow Ansible's precedence (all, then parent groups, then child
 * groups, then the host line), and cluster settings come from the {@code all} and {@code
 * k8s_cluster} group variables where kubespray keeps them.
 */
final class KubesprayMapper {
  static final Set<String> CONTROL_PLANE_GROUPS =
      Set.of("kube_control_plane", "kube-master", "kube_master");
  static final Set<String> ETCD_GROUPS = Set.of("etcd");
  static final Set<String> WORKER_GROUPS = Set.of("kube_node", "kube-node");
  static final Set<String> IGNORED_GROUPS = Set.of("calico_rr");
  static final Set<String> CLUSTER_GROUPS = Set.of("k8s_cluster", "k8s-cluster");

  private final AnsibleInventory inv;
  private final Problems p;
  private final YRead r;
  private final List<String> notes = new ArrayList<>();
  private final SourcePositions pos = new SourcePositions();
  private final Map<String, Set<String>> parents = new HashMap<>();
  private final Map<String, Integer> depth = new HashMap<>();

  private KubesprayMapper(AnsibleInventory inv, Problems p) {
    this.inv = inv;
    this.p = p;
    this.r = new YRead(p);
  }

  static ImportedInventory map(AnsibleInventory inv, Problems p, InventoryFormat format) {
    return new KubesprayMapper(inv, p).map(format);
  }

  private ImportedInventory map(InventoryFormat format) {
    linkGroups();
    p.throwIfAny();
    Map<String, AnsibleInventory.Var> clusterVars =
        new LinkedHashMap<>(inv.groups.get(AnsibleInventory.ALL).vars);
    for (String g : CLUSTER_GROUPS) {
      if (inv.groups.containsKey(g)) {
        clusterVars.putAll(inv.groups.get(g).vars);
      }
    }
    SshSpec defaults = ssh(inv.groups.get(AnsibleInventory.ALL).vars, null, "cluster");
    pos.cluster(
        "ssh.keyRef",
        lineOf(
            inv.groups.get(AnsibleInventory.ALL).vars,
            "ansible_ssh_private_key_file",
            "ansible_private_key_file"),
        "ansible_ssh_private_key_file");
    pos.cluster(
        "ssh.knownHosts",
        lineOf(
            inv.groups.get(AnsibleInventory.ALL).vars,
            "ansible_ssh_common_args",
            "ansible_ssh_extra_args"),
        "ansible_ssh_common_args");

    for (String ignored : IGNORED_GROUPS) {
      if (inv.groups.containsKey(ignored)) {
        notes.add("[" + ignored + "] is ignored: Graft does not manage Calico route reflectors");
      }
    }
    List<NodeSpec> nodes = new ArrayList<>();
    for (AnsibleInventory.Host h : inv.hosts.values()) {
      Set<String> groups = groupsOf(h.name);
      EnumSet<Role> roles = EnumSet.noneOf(Role.class);
      if (intersects(groups, CONTROL_PLANE_GROUPS)) {
        roles.add(Role.CONTROL_PLANE);
      }
      if (intersects(groups, ETCD_GROUPS)) {
        roles.add(Role.ETCD);
      }
      if (intersects(groups, WORKER_GROUPS)) {
        roles.add(Role.WORKER);
      }
      if (roles.isEmpty()) {
        notes.add(
            h.name
                + " (line "
                + h.line
                + ") is in none of [kube_control_plane], [etcd],"
                + " [kube_node]: it is not a cluster node and is left out");
        continue;
      }
      nodes.add(node(h, groups, roles, defaults));
    }
    if (nodes.isEmpty()) {
      p.add(0, null, "no host is in [kube_control_plane], [etcd] or [kube_node]");
    }

    // The cluster's name is what the operator says (graft_cluster_name, or cluster_name when it is
    // a name rather than kubespray's DNS domain), else the cluster's own kubeadm-config, read at
    // plan time; never the directory the inventory happens to lie in.
    String name = str(clusterVars, "graft_cluster_name");
    pos.cluster("name", lineOf(clusterVars, "graft_cluster_name"), "graft_cluster_name");
    String kubesprayName = str(clusterVars, "cluster_name");
    if (name == null && kubesprayName != null) {
      if (Names.isDnsLabel(kubesprayName)) {
        name = kubesprayName;
        pos.cluster("name", lineOf(clusterVars, "cluster_name"), "cluster_name");
      } else {
        notes.add(
            "cluster_name \""
                + kubesprayName
                + "\" (line "
                + lineOf(clusterVars, "cluster_name")
                + ") is kubespray's DNS domain, not a cluster name; set graft_cluster_name to name the cluster");
      }
    }
    String podCidr = str(clusterVars, "kube_pods_subnet");
    pos.cluster("podNetwork.cidr", lineOf(clusterVars, "kube_pods_subnet"), "kube_pods_subnet");
    Integer mask = intVar(clusterVars, "kube_network_node_prefix", 1, 32);
    pos.cluster(
        "podNetwork.nodeMask",
        lineOf(clusterVars, "kube_network_node_prefix"),
        "kube_network_node_prefix");
    String services = str(clusterVars, "kube_service_addresses");
    pos.cluster(
        "serviceCidr", lineOf(clusterVars, "kube_service_addresses"), "kube_service_addresses");
    String version = str(clusterVars, "kube_version");
    if (version != null && !version.startsWith("v")) {
      version = "v" + version;
    }
    Boolean allowEven = boolVar(clusterVars, "graft_allow_even_etcd");
    pos.cluster(
        "overrides.allowEvenEtcd",
        lineOf(clusterVars, "graft_allow_even_etcd"),
        "graft_allow_even_etcd");
    String kubeconfig = str(clusterVars, "graft_kubeconfig");
    pos.cluster("kubeconfig", lineOf(clusterVars, "graft_kubeconfig"), "graft_kubeconfig");
    String endpoint = apiEndpoint(clusterVars, nodes);
    EtcdSpec etcd = etcd(clusterVars, nodes);
    p.throwIfAny();
    ClusterSpec cluster =
        new ClusterSpec(
            name,
            endpoint,
            kubeconfig,
            version,
            new PodNetwork(
                podCidr != null ? podCidr : Defaults.KUBESPRAY_POD_CIDR,
                mask != null ? mask : PodNetwork.DEFAULT_NODE_MASK),
            services != null ? services : Defaults.KUBESPRAY_SERVICE_CIDR,
            etcd,
            defaults,
            nodes,
            new ValidationOverrides(allowEven != null && allowEven));
    return new ImportedInventory(p.file(), format, cluster, pos, notes);
  }

  /** Parent links, cycle check and depth (Ansible applies group vars by depth, then name). */
  private void linkGroups() {
    for (AnsibleInventory.Group g : inv.groups.values()) {
      for (String child : g.children.keySet()) {
        parents.computeIfAbsent(child, k -> new LinkedHashSet<>()).add(g.name);
      }
    }
    for (String g : inv.groups.keySet()) {
      depthOf(g, new LinkedHashSet<>());
    }
  }

  private int depthOf(String g, Set<String> path) {
    if (g.equals(AnsibleInventory.ALL)) {
      return 0;
    }
    Integer known = depth.get(g);
    if (known != null) {
      return known;
    }
    if (!path.add(g)) {
      AnsibleInventory.Group grp = inv.groups.get(g);
      String parent = path.stream().skip(path.size() - 1L).findFirst().orElse(g);
      Integer line = inv.groups.get(parent) == null ? null : inv.groups.get(parent).children.get(g);
      throw p.fatal(
          line != null ? line : grp.line,
          g,
          "groups contain each other in a cycle: " + String.join(" -> ", path) + " -> " + g);
    }
    int d = 1;
    for (String parent : parents.getOrDefault(g, Set.of())) {
      d = Math.max(d, depthOf(parent, path) + 1);
    }
    path.remove(g);
    depth.put(g, d);
    return d;
  }

  /** Every group a host belongs to, directly or through children. */
  private Set<String> groupsOf(String host) {
    Set<String> out = new LinkedHashSet<>();
    List<String> todo = new ArrayList<>();
    for (AnsibleInventory.Group g : inv.groups.values()) {
      if (g.hosts.contains(host)) {
        todo.add(g.name);
      }
    }
    while (!todo.isEmpty()) {
      String g = todo.remove(todo.size() - 1);
      if (out.add(g)) {
        todo.addAll(parents.getOrDefault(g, Set.of()));
      }
    }
    out.add(AnsibleInventory.ALL);
    return out;
  }

  private Map<String, AnsibleInventory.Var> effectiveVars(
      AnsibleInventory.Host h, Set<String> groups) {
    List<String> ordered = new ArrayList<>(groups);
    ordered.sort(
        Comparator.comparingInt((String g) -> depthOf(g, new LinkedHashSet<>()))
            .thenComparing(g -> g));
    Map<String, AnsibleInventory.Var> vars = new LinkedHashMap<>();
    for (String g : ordered) {
      vars.putAll(inv.groups.get(g).vars);
    }
    vars.putAll(h.vars);
    return vars;
  }

  private NodeSpec node(
      AnsibleInventory.Host h, Set<String> groups, EnumSet<Role> roles, SshSpec defaults) {
    Map<String, AnsibleInventory.Var> vars = effectiveVars(h, groups);
    pos.node(h.name, h.line);
    String address = str(vars, "ansible_host");
    pos.nodeField(h.name, "address", lineOr(vars, h.line, "ansible_host"), "ansible_host");
    pos.nodeField(h.name, "name", h.line, "host");
    String ip = str(vars, "ip");
    pos.nodeField(h.name, "ip", lineOr(vars, h.line, "ip"), "ip");
    SshSpec ssh = ssh(vars, h.name, h.name);
    SshSpec own =
        new SshSpec(
            same(ssh.user(), defaults.user()), same(ssh.port(), defaults.port()),
            same(ssh.keyRef(), defaults.keyRef()), same(ssh.sudo(), defaults.sudo()),
            same(ssh.hostKey(), defaults.hostKey()), same(ssh.knownHosts(), defaults.knownHosts()));
    String podCidr = str(vars, "graft_pod_cidr");
    pos.nodeField(h.name, "podCidr", lineOr(vars, h.line, "graft_pod_cidr"), "graft_pod_cidr");
    Map<String, String> labels = labels(vars.get("node_labels"));
    pos.nodeField(h.name, "labels", lineOr(vars, h.line, "node_labels"), "node_labels");
    List<Taint> taints = taints(vars.get("node_taints"));
    pos.nodeField(h.name, "taints", lineOr(vars, h.line, "node_taints"), "node_taints");
    return new NodeSpec(
        h.name,
        address != null ? address : h.name,
        ip,
        List.copyOf(roles),
        own,
        labels,
        taints,
        podCidr);
  }

  private static <T> T same(T value, T defaultValue) {
    return value != null && value.equals(defaultValue) ? null : value;
  }

  private SshSpec ssh(Map<String, AnsibleInventory.Var> vars, String node, String what) {
    String user = str(vars, "ansible_user", "ansible_ssh_user");
    Integer port = intVar(vars, first(vars, "ansible_port", "ansible_ssh_port"), 1, 65535);
    String key = str(vars, "ansible_ssh_private_key_file", "ansible_private_key_file");
    Boolean sudo = boolVar(vars, "ansible_become");
    String hostKey = str(vars, "graft_ssh_host_key");
    String knownHosts = null;
    for (String argsVar : List.of("ansible_ssh_common_args", "ansible_ssh_extra_args")) {
      AnsibleInventory.Var v = vars.get(argsVar);
      if (v != null && v.value() != null) {
        String kh = knownHostsFrom(v, node == null ? "[all:vars]" : node);
        knownHosts = kh != null ? kh : knownHosts;
      }
    }
    if (node != null) {
      pos.nodeField(
          node, "ssh.user", lineOf(vars, "ansible_user", "ansible_ssh_user"), "ansible_user");
      pos.nodeField(
          node, "ssh.port", lineOf(vars, "ansible_port", "ansible_ssh_port"), "ansible_port");
      pos.nodeField(
          node,
          "ssh.keyRef",
          lineOf(vars, "ansible_ssh_private_key_file", "ansible_private_key_file"),
          "ansible_ssh_private_key_file");
      pos.nodeField(node, "ssh.hostKey", lineOf(vars, "graft_ssh_host_key"), "graft_ssh_host_key");
      pos.nodeField(
          node,
          "ssh.knownHosts",
          lineOf(vars, "ansible_ssh_common_args", "ansible_ssh_extra_args"),
          "ansible_ssh_common_args");
    }
    return new SshSpec(user, port, key, sudo, hostKey, knownHosts);
  }

  /** UserKnownHostsFile from ssh arguments: {@code -o UserKnownHostsFile=PATH} and variants. */
  private String knownHostsFrom(AnsibleInventory.Var v, String where) {
    List<String> words;
    try {
      words = ShellWords.split(v.value());
    } catch (IllegalArgumentException e) {
      p.add(v.line(), v.name(), e.getMessage());
      return null;
    }
    String found = null;
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      String opt = null;
      if (w.equals("-o") && i + 1 < words.size()) {
        opt = words.get(++i);
      } else if (w.startsWith("-o")) {
        opt = w.substring(2);
      }
      if (opt == null) {
        continue;
      }
      String[] kv = opt.split("[=\\s]+", 2);
      String key = kv[0].toLowerCase(Locale.ROOT);
      String value = kv.length > 1 ? kv[1].strip() : "";
      if (key.equals("userknownhostsfile")) {
        if (value.isEmpty()) {
          p.add(v.line(), v.name(), "UserKnownHostsFile has no path");
        } else {
          found = value.split("\\s+")[0];
        }
      } else if (key.equals("stricthostkeychecking") && !value.equalsIgnoreCase("yes")) {
        String note =
            where
                + ": StrictHostKeyChecking="
                + value
                + " is ignored: Graft always"
                + " verifies host keys";
        if (!notes.contains(note)) {
          notes.add(note);
        }
      }
    }
    return found;
  }

  private String apiEndpoint(Map<String, AnsibleInventory.Var> vars, List<NodeSpec> nodes) {
    String explicit = str(vars, "graft_api_endpoint");
    pos.cluster(
        "apiEndpoint",
        lineOf(
            vars,
            "graft_api_endpoint",
            "apiserver_loadbalancer_domain_name",
            "loadbalancer_apiserver"),
        "graft_api_endpoint");
    if (explicit != null) {
      return explicit;
    }
    Integer port = intVar(vars, "kube_apiserver_port", 1, 65535);
    int apiPort = port != null ? port : Defaults.API_PORT;
    AnsibleInventory.Var lb = vars.get("loadbalancer_apiserver");
    String lbName = str(vars, "apiserver_loadbalancer_domain_name");
    if (lb != null && lb.node() instanceof YNode.YMap m) {
      String address = r.string(m.get("address"), "loadbalancer_apiserver.address");
      Integer lbPort = r.integer(m.get("port"), "loadbalancer_apiserver.port", 1, 65535);
      String host = lbName != null ? lbName : address;
      if (host != null) {
        return "https://" + host + ":" + (lbPort != null ? lbPort : apiPort);
      }
    }
    if (lbName != null) {
      Integer lbPort = intVar(vars, "loadbalancer_apiserver_port", 1, 65535);
      return "https://" + lbName + ":" + (lbPort != null ? lbPort : apiPort);
    }
    return Defaults.apiEndpoint(nodes, apiPort);
  }

  private EtcdSpec etcd(Map<String, AnsibleInventory.Var> vars, List<NodeSpec> nodes) {
    String type = str(vars, "etcd_deployment_type");
    // kubespray's default ("host") runs etcd as a service it manages on the [etcd] hosts:
    // external from kubeadm's point of view. Only etcd_deployment_type=kubeadm is stacked.
    EtcdTopology topology = "kubeadm".equals(type) ? EtcdTopology.STACKED : EtcdTopology.EXTERNAL;
    pos.cluster("etcd.topology", lineOf(vars, "etcd_deployment_type"), "etcd_deployment_type");
    EtcdSpec defaults;
    if (topology == EtcdTopology.STACKED) {
      defaults = EtcdSpec.kubeadmDefaults();
    } else {
      String dir = str(vars, "etcd_cert_dir");
      dir = dir != null ? dir : Defaults.KUBESPRAY_ETCD_CERT_DIR;
      String firstEtcd =
          nodes.stream()
              .filter(n -> n.hasRole(Role.ETCD))
              .map(NodeSpec::name)
              .findFirst()
              .orElse(null);
      // kubespray issues admin-<host>.pem client certificates on every etcd host.
      defaults =
          new EtcdSpec(
              topology,
              List.of(),
              dir + "/ca.pem",
              firstEtcd == null ? null : dir + "/admin-" + firstEtcd + ".pem",
              firstEtcd == null ? null : dir + "/admin-" + firstEtcd + "-key.pem");
    }
    // Where Graft runs is rarely an etcd or control-plane host: these name copies of an etcd
    // client's TLS files on the server (references; the files are opened by the worker).
    return new EtcdSpec(
        topology,
        List.of(),
        etcdFile(vars, "graft_etcd_ca_file", "etcd.caCert", defaults.caCert()),
        etcdFile(vars, "graft_etcd_cert_file", "etcd.clientCert", defaults.clientCert()),
        etcdFile(vars, "graft_etcd_key_file", "etcd.clientKey", defaults.clientKey()));
  }

  private String etcdFile(
      Map<String, AnsibleInventory.Var> vars, String var, String field, String fallback) {
    String v = str(vars, var);
    if (v == null) {
      return fallback;
    }
    pos.cluster(field, lineOf(vars, var), var);
    if (!v.startsWith("/") || v.chars().anyMatch(Character::isISOControl)) {
      p.add(
          lineOf(vars, var),
          var,
          "must be an absolute path on the Graft server, got \"" + v + "\"");
    }
    return v;
  }

  /** node_labels: a mapping (YAML inventory) or a flow mapping written in one INI value. */
  private Map<String, String> labels(AnsibleInventory.Var v) {
    if (v == null) {
      return Map.of();
    }
    YNode node = v.node() != null ? v.node() : flow(v);
    YNode.YMap m = node == null ? null : r.map(node, v.name());
    Map<String, String> out = new LinkedHashMap<>();
    if (m != null) {
      for (YNode.Entry e : m.entries().values()) {
        String value = e.value() instanceof YNode.YScalar s ? s.value() : null;
        if (value == null) {
          p.add(v.line(), v.name() + "." + e.key(), "a label value must be a string");
        } else {
          out.put(e.key(), value);
        }
      }
    } else if (node != null && !(node instanceof YNode.YScalar s && s.isNull())) {
      p.add(v.line(), v.name(), "expected a mapping of labels");
    }
    return out;
  }

  /** node_taints: kubespray's list of "key=value:Effect" strings. */
  private List<Taint> taints(AnsibleInventory.Var v) {
    if (v == null) {
      return List.of();
    }
    YNode node = v.node() != null ? v.node() : flow(v);
    List<Taint> out = new ArrayList<>();
    if (node instanceof YNode.YSeq q) {
      for (YNode item : q.items()) {
        String s = item instanceof YNode.YScalar sc ? sc.value() : null;
        Taint t = s == null ? null : parseTaint(s);
        if (t == null) {
          p.add(
              v.line(),
              v.name(),
              "\""
                  + YRead.clip(String.valueOf(s))
                  + "\" is not a taint"
                  + " (key=value:Effect or key:Effect)");
        } else {
          out.add(t);
        }
      }
    } else if (node != null && !(node instanceof YNode.YScalar s && s.isNull())) {
      p.add(
          v.line(),
          v.name(),
          "expected a list of taints such as" + " [\"node-role.kubernetes.io/infra=:NoSchedule\"]");
    }
    return out;
  }

  static Taint parseTaint(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      return null;
    }
    String kv = s.substring(0, colon);
    String effect = s.substring(colon + 1);
    int eq = kv.indexOf('=');
    return eq < 0
        ? new Taint(kv, "", effect)
        : eq == 0 ? null : new Taint(kv.substring(0, eq), kv.substring(eq + 1), effect);
  }

  /** Parses an INI value that holds a YAML/JSON flow collection, keeping the INI line. */
  private YNode flow(AnsibleInventory.Var v) {
    String text = v.value() == null ? "" : v.value().strip();
    if (text.isEmpty()) {
      return null;
    }
    Problems local = new Problems(p.file());
    try {
      List<YNode> docs = YamlTree.parseAll(text, local);
      return docs.isEmpty() ? null : docs.get(0);
    } catch (InventoryException e) {
      p.add(
          v.line(),
          v.name(),
          "cannot be read as a YAML/JSON value: " + e.errors().get(0).message());
      return null;
    }
  }

  private static boolean intersects(Set<String> a, Set<String> b) {
    return a.stream().anyMatch(b::contains);
  }

  private static String first(Map<String, AnsibleInventory.Var> vars, String... names) {
    for (String n : names) {
      if (vars.containsKey(n)) {
        return n;
      }
    }
    return names[0];
  }

  private String str(Map<String, AnsibleInventory.Var> vars, String... names) {
    AnsibleInventory.Var v = vars.get(first(vars, names));
    if (v == null) {
      return null;
    }
    if (v.node() != null) {
      p.add(v.line(), v.name(), "expected a single value, found " + v.node().kind());
      return null;
    }
    String s = v.value() == null ? null : v.value().strip();
    return s == null || s.isEmpty() ? null : s;
  }

  private Integer intVar(Map<String, AnsibleInventory.Var> vars, String name, int min, int max) {
    String s = str(vars, name);
    return s == null ? null : YRead.parseInt(s, vars.get(name).line(), name, min, max, p);
  }

  private Boolean boolVar(Map<String, AnsibleInventory.Var> vars, String name) {
    String s = str(vars, name);
    return s == null ? null : YRead.parseBool(s, vars.get(name).line(), name, p);
  }

  private static int lineOf(Map<String, AnsibleInventory.Var> vars, String... names) {
    for (String n : names) {
      AnsibleInventory.Var v = vars.get(n);
      if (v != null) {
        return v.line();
      }
    }
    return 0;
  }

  private static int lineOr(Map<String, AnsibleInventory.Var> vars, int fallback, String name) {
    int l = lineOf(vars, name);
    return l > 0 ? l : fallback;
  }

  static String knownGroups() {
    Set<String> all = new TreeSet<>();
    all.addAll(CONTROL_PLANE_GROUPS);
    all.addAll(ETCD_GROUPS);
    all.addAll(WORKER_GROUPS);
    return String.join(", ", all);
  }
}
