package dev.graft.server.inventory;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.model.Taint;
import dev.graft.workflows.model.ValidationOverrides;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MetalK8s {@code v1/Node} manifests, one or many documents per file (a {@code v1/List} of Nodes
 * too). SSH settings come from the {@code metalk8s.scality.com/ssh-*} annotations, roles from the
 * {@code node-role.kubernetes.io/*} labels (table in docs/inventory.md), taints from {@code
 * spec.taints}. Labels are kept verbatim, role labels included: they are what the operator wants on
 * the Node.
 */
final class MetalK8sImporter {
  static final String ANN = "metalk8s.scality.com/";
  static final String ROLE = "node-role.kubernetes.io/";

  private MetalK8sImporter() {}

  static ImportedInventory importText(String file, String text) {
    Problems p = new Problems(file);
    List<YNode> docs = YamlTree.parseAll(text, p);
    if (docs.isEmpty()) {
      throw p.fatal(0, null, "the file holds no Node manifest");
    }
    YRead r = new YRead(p);
    SourcePositions pos = new SourcePositions();
    List<String> notes = new ArrayList<>();
    List<NodeSpec> nodes = new ArrayList<>();
    // The cluster's name, when the manifests carry Graft's annotation (MetalK8s keeps it
    // elsewhere).
    Map<String, Integer> names = new LinkedHashMap<>();
    for (YNode doc : docs) {
      YNode.YMap m = r.map(doc, "(document)");
      if (m == null) {
        if (doc instanceof YNode.YScalar) {
          p.add(
              doc.line(),
              null,
              "expected a Node manifest (apiVersion: v1, kind: Node), found"
                  + " text; is the YAML indentation right?");
        }
        continue;
      }
      String kind = r.string(m.get("kind"), "kind");
      if ("List".equals(kind) || "NodeList".equals(kind)) {
        YNode.YSeq items = r.seq(m.get("items"), "items");
        if (items != null) {
          for (YNode item : items.items()) {
            NodeSpec n = node(r.map(item, "items"), r, pos, notes, names);
            if (n != null) {
              nodes.add(n);
            }
          }
        }
      } else {
        NodeSpec n = node(m, r, pos, notes, names);
        if (n != null) {
          nodes.add(n);
        }
      }
    }
    if (names.size() > 1) {
      p.add(
          names.values().iterator().next(),
          "metadata.annotations." + ANN + "cluster-name",
          "the Nodes name different clusters: " + String.join(", ", names.keySet()));
    }
    String name = names.isEmpty() ? null : names.keySet().iterator().next();
    if (name != null) {
      pos.cluster("name", names.get(name), "metadata.annotations." + ANN + "cluster-name");
    }
    p.throwIfAny();
    ClusterSpec cluster =
        new ClusterSpec(
            name,
            Defaults.apiEndpoint(nodes, Defaults.API_PORT),
            null,
            null,
            new PodNetwork(Defaults.METALK8S_POD_CIDR, PodNetwork.DEFAULT_NODE_MASK),
            Defaults.METALK8S_SERVICE_CIDR,
            EtcdSpec.kubeadmDefaults(),
            SshSpec.EMPTY,
            nodes,
            ValidationOverrides.NONE);
    return new ImportedInventory(file, InventoryFormat.METALK8S_NODES, cluster, pos, notes);
  }

  private static NodeSpec node(
      YNode.YMap m,
      YRead r,
      SourcePositions pos,
      List<String> notes,
      Map<String, Integer> clusterNames) {
    if (m == null) {
      return null;
    }
    Problems p = r.problems();
    String apiVersion = r.required(m, "apiVersion", "apiVersion", m.line());
    String kind = r.required(m, "kind", "kind", m.line());
    if (apiVersion != null && !apiVersion.equals("v1")) {
      p.add(
          m.get("apiVersion").line(), "apiVersion", "\"" + YRead.clip(apiVersion) + "\" is not v1");
    }
    if (kind != null && !kind.equals("Node")) {
      p.add(m.get("kind").line(), "kind", "\"" + YRead.clip(kind) + "\" is not Node");
      return null;
    }
    YNode.YMap meta = r.map(m.get("metadata"), "metadata");
    if (meta == null) {
      if (m.get("metadata") == null) {
        p.add(m.line(), "metadata", "is required (metadata.name, annotations, labels)");
      }
      return null;
    }
    String name = r.required(meta, "name", "metadata.name", meta.line());
    YNode.YMap ann = r.map(meta.get("annotations"), "metadata.annotations");
    YNode.YMap labelMap = r.map(meta.get("labels"), "metadata.labels");
    Map<String, String> labels = new LinkedHashMap<>();
    if (labelMap != null) {
      for (YNode.Entry e : labelMap.entries().values()) {
        String v = e.value() instanceof YNode.YScalar s ? s.value() : null;
        if (v == null) {
          p.add(e.keyLine(), "metadata.labels." + e.key(), "a label value must be a string");
        } else {
          labels.put(e.key(), v);
        }
      }
    }
    EnumSet<Role> roles = roles(labels, name, notes);
    String cluster = annotation(r, ann, "cluster-name");
    if (cluster != null && !cluster.isBlank()) {
      clusterNames.putIfAbsent(cluster.trim(), annLine(ann, "cluster-name"));
    }
    String host = annotation(r, ann, "ssh-host");
    if (host == null || host.isBlank()) {
      int line =
          annLine(ann, "ssh-host") > 0
              ? annLine(ann, "ssh-host")
              : ann != null ? ann.line() : meta.line();
      p.add(
          line,
          "metadata.annotations." + ANN + "ssh-host",
          "is required: the address Graft connects to over SSH");
    }
    String port = annotation(r, ann, "ssh-port");
    Integer sshPort =
        port == null
            ? null
            : YRead.parseInt(
                port,
                annLine(ann, "ssh-port"),
                "metadata.annotations." + ANN + "ssh-port",
                1,
                65535,
                p);
    String sudo = annotation(r, ann, "ssh-sudo");
    Boolean sshSudo =
        sudo == null
            ? null
            : YRead.parseBool(
                sudo, annLine(ann, "ssh-sudo"), "metadata.annotations." + ANN + "ssh-sudo", p);
    SshSpec ssh =
        new SshSpec(
            annotation(r, ann, "ssh-user"),
            sshPort,
            annotation(r, ann, "ssh-key-path"),
            sshSudo,
            annotation(r, ann, "ssh-host-key"),
            annotation(r, ann, "ssh-known-hosts"));

    YNode.YMap spec = r.map(m.get("spec"), "spec");
    List<Taint> taints = new ArrayList<>();
    String podCidr = null;
    if (spec != null) {
      podCidr = r.string(spec.get("podCIDR"), "spec.podCIDR");
      YNode.YSeq ts = r.seq(spec.get("taints"), "spec.taints");
      if (ts != null) {
        for (YNode t : ts.items()) {
          YNode.YMap tm = r.map(t, "spec.taints");
          if (tm == null) {
            continue;
          }
          String key = r.required(tm, "key", "spec.taints.key", tm.line());
          String effect = r.required(tm, "effect", "spec.taints.effect", tm.line());
          if (key != null && effect != null) {
            taints.add(new Taint(key, r.string(tm.get("value"), "spec.taints.value"), effect));
          }
        }
      }
    }
    if (name == null) {
      return null;
    }
    pos.node(name, m.line());
    pos.nodeField(name, "name", meta.get("name").line(), "metadata.name");
    pos.nodeField(
        name, "address", annLine(ann, "ssh-host"), "metadata.annotations." + ANN + "ssh-host");
    pos.nodeField(
        name,
        "ssh.keyRef",
        annLine(ann, "ssh-key-path"),
        "metadata.annotations." + ANN + "ssh-key-path");
    pos.nodeField(
        name, "ssh.user", annLine(ann, "ssh-user"), "metadata.annotations." + ANN + "ssh-user");
    pos.nodeField(
        name,
        "ssh.hostKey",
        annLine(ann, "ssh-host-key"),
        "metadata.annotations." + ANN + "ssh-host-key");
    pos.nodeField(
        name,
        "ssh.knownHosts",
        annLine(ann, "ssh-known-hosts"),
        "metadata.annotations." + ANN + "ssh-known-hosts");
    pos.nodeField(
        name, "labels", labelMap == null ? meta.line() : labelMap.line(), "metadata.labels");
    pos.nodeField(name, "taints", spec == null ? m.line() : spec.line(), "spec.taints");
    pos.nodeField(
        name,
        "podCidr",
        spec == null || spec.get("podCIDR") == null ? m.line() : spec.get("podCIDR").line(),
        "spec.podCIDR");
    return new NodeSpec(name, host, null, List.copyOf(roles), ssh, labels, taints, podCidr);
  }

  /** The role table of docs/inventory.md. */
  static EnumSet<Role> roles(Map<String, String> labels, String name, List<String> notes) {
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    boolean anyRoleLabel = false;
    for (String key : labels.keySet()) {
      if (!key.startsWith(ROLE)) {
        continue;
      }
      anyRoleLabel = true;
      switch (key.substring(ROLE.length())) {
        case "master", "control-plane" -> roles.add(Role.CONTROL_PLANE);
        case "etcd" -> roles.add(Role.ETCD);
        case "infra" -> roles.add(Role.INFRA);
        case "node", "worker" -> roles.add(Role.WORKER);
        case "bootstrap" ->
            notes.add(
                name
                    + ": role label "
                    + key
                    + " ignored (MetalK8s"
                    + " bootstrap node; Graft does not manage the bootstrap node's extra services)");
        default ->
            notes.add(
                name + ": role label " + key + " has no Graft role; kept as a" + " label only");
      }
    }
    // An infra node is a workload-plane node dedicated to infra services: it runs a kubelet
    // that takes (tolerating) pods, so it joins as a worker, unless it is a control-plane node.
    if (roles.contains(Role.INFRA) && !roles.contains(Role.CONTROL_PLANE)) {
      roles.add(Role.WORKER);
    }
    if (roles.isEmpty()) {
      roles.add(Role.WORKER);
      if (!anyRoleLabel) {
        notes.add(name + ": no node-role.kubernetes.io label, imported as a worker");
      }
    }
    return roles;
  }

  private static String annotation(YRead r, YNode.YMap ann, String name) {
    if (ann == null) {
      return null;
    }
    YNode n = ann.get(ANN + name);
    return r.string(n, "metadata.annotations." + ANN + name);
  }

  private static int annLine(YNode.YMap ann, String name) {
    if (ann == null) {
      return 0;
    }
    YNode n = ann.get(ANN + name);
    return n == null ? 0 : n.line();
  }
}
