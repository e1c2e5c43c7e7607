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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graft's own cluster YAML (or the same structure as JSON). Strict: an unknown field is an error,
 * because a typo ("adress") silently ignored is how a node ends up wrong.
 */
final class GraftYamlImporter {
  static final String API_VERSION = "graft.dev/v1";
  private static final Set<String> TOP =
      Set.of(
          "apiVersion",
          "kind",
          "name",
          "apiEndpoint",
          "kubeconfig",
          "kubernetesVersion",
          "podNetwork",
          "serviceCidr",
          "etcd",
          "ssh",
          "nodes",
          "overrides");
  private static final Set<String> NODE =
      Set.of("name", "address", "ip", "roles", "ssh", "labels", "taints", "podCidr");
  private static final Set<String> SSH =
      Set.of("user", "port", "keyRef", "sudo", "hostKey", "knownHosts");
  private static final Set<String> ETCD =
      Set.of("topology", "endpoints", "caCert", "clientCert", "clientKey");
  private static final Set<String> TAINT = Set.of("key", "value", "effect");

  private GraftYamlImporter() {}

  static ImportedInventory importText(String file, String text) {
    Problems p = new Problems(file);
    List<YNode> docs = YamlTree.parseAll(text, p);
    if (docs.isEmpty()) {
      throw p.fatal(0, null, "the file is empty");
    }
    if (docs.size() > 1) {
      throw p.fatal(docs.get(1).line(), null, "a Graft cluster file holds one document");
    }
    YRead r = new YRead(p);
    YNode.YMap top = r.map(docs.get(0), "(document)");
    p.throwIfAny();
    if (top == null) {
      throw p.fatal(
          docs.get(0).line(),
          null,
          "expected a mapping with apiVersion: " + API_VERSION + " and kind: Cluster");
    }
    SourcePositions pos = new SourcePositions();
    r.allowOnly(top, "", TOP);
    String apiVersion = r.required(top, "apiVersion", "apiVersion", top.line());
    if (apiVersion != null && !API_VERSION.equals(apiVersion)) {
      p.add(
          top.get("apiVersion").line(),
          "apiVersion",
          "\"" + YRead.clip(apiVersion) + "\" is not supported (expected " + API_VERSION + ")");
    }
    String kind = r.required(top, "kind", "kind", top.line());
    if (kind != null && !"Cluster".equals(kind)) {
      p.add(top.get("kind").line(), "kind", "\"" + YRead.clip(kind) + "\" is not Cluster");
    }
    String name = r.required(top, "name", "name", top.line());
    pos.cluster("name", line(top, "name"), "name");
    String apiEndpoint = r.string(top.get("apiEndpoint"), "apiEndpoint");
    pos.cluster("apiEndpoint", line(top, "apiEndpoint"), "apiEndpoint");
    String kubeconfig = r.string(top.get("kubeconfig"), "kubeconfig");
    pos.cluster("kubeconfig", line(top, "kubeconfig"), "kubeconfig");
    String version = r.string(top.get("kubernetesVersion"), "kubernetesVersion");

    YNode.YMap podNet = r.map(top.get("podNetwork"), "podNetwork");
    r.allowOnly(podNet, "podNetwork.", Set.of("cidr", "nodeMask"));
    String podCidr = podNet == null ? null : r.string(podNet.get("cidr"), "podNetwork.cidr");
    Integer mask =
        podNet == null ? null : r.integer(podNet.get("nodeMask"), "podNetwork.nodeMask", 1, 32);
    pos.cluster("podNetwork.cidr", podNet == null ? 0 : line(podNet, "cidr"), "podNetwork.cidr");
    pos.cluster(
        "podNetwork.nodeMask",
        podNet == null ? 0 : line(podNet, "nodeMask"),
        "podNetwork.nodeMask");
    String serviceCidr = r.string(top.get("serviceCidr"), "serviceCidr");
    pos.cluster("serviceCidr", line(top, "serviceCidr"), "serviceCidr");

    EtcdSpec etcd = etcd(r, r.map(top.get("etcd"), "etcd"), pos);
    SshSpec ssh = ssh(r, r.map(top.get("ssh"), "ssh"), "ssh.");
    pos.cluster("ssh.keyRef", sshLine(top.get("ssh"), "keyRef"), "ssh.keyRef");
    pos.cluster("ssh.knownHosts", sshLine(top.get("ssh"), "knownHosts"), "ssh.knownHosts");

    YNode.YMap ov = r.map(top.get("overrides"), "overrides");
    r.allowOnly(ov, "overrides.", Set.of("allowEvenEtcd"));
    Boolean allowEven =
        ov == null ? null : r.bool(ov.get("allowEvenEtcd"), "overrides.allowEvenEtcd");
    pos.cluster(
        "overrides.allowEvenEtcd",
        ov == null ? 0 : line(ov, "allowEvenEtcd"),
        "overrides.allowEvenEtcd");

    List<NodeSpec> nodes = new ArrayList<>();
    YNode.YSeq seq = r.seq(top.get("nodes"), "nodes");
    if (seq == null && top.get("nodes") == null) {
      p.add(top.line(), "nodes", "is required (the list of nodes)");
    }
    pos.cluster("nodes", line(top, "nodes"), "nodes");
    if (seq != null) {
      for (int i = 0; i < seq.items().size(); i++) {
        NodeSpec n = node(r, seq.items().get(i), "nodes[" + i + "].", pos);
        if (n != null) {
          nodes.add(n);
        }
      }
    }
    p.throwIfAny();
    ClusterSpec cluster =
        new ClusterSpec(
            name,
            apiEndpoint != null ? apiEndpoint : Defaults.apiEndpoint(nodes, Defaults.API_PORT),
            kubeconfig,
            version,
            new PodNetwork(
                podCidr != null ? podCidr : Defaults.GRAFT_POD_CIDR,
                mask != null ? mask : PodNetwork.DEFAULT_NODE_MASK),
            serviceCidr != null ? serviceCidr : Defaults.GRAFT_SERVICE_CIDR,
            etcd,
            ssh,
            nodes,
            new ValidationOverrides(allowEven != null && allowEven));
    return new ImportedInventory(file, InventoryFormat.GRAFT_YAML, cluster, pos, List.of());
  }

  private static NodeSpec node(YRead r, YNode item, String prefix, SourcePositions pos) {
    YNode.YMap m = r.map(item, prefix.substring(0, prefix.length() - 1));
    if (m == null) {
      if (item instanceof YNode.YScalar s && s.isNull()) {
        r.problems().add(item.line(), prefix.substring(0, prefix.length() - 1), "empty node");
      }
      return null;
    }
    r.allowOnly(m, prefix, NODE);
    String name = r.required(m, "name", prefix + "name", m.line());
    String address = r.required(m, "address", prefix + "address", m.line());
    String ip = r.string(m.get("ip"), prefix + "ip");
    List<Role> roles = new ArrayList<>();
    YNode.YSeq rs = r.seq(m.get("roles"), prefix + "roles");
    if (rs == null && m.get("roles") == null) {
      r.problems()
          .add(m.line(), prefix + "roles", "is required (control-plane, etcd, worker," + " infra)");
    }
    if (rs != null) {
      for (YNode rn : rs.items()) {
        String rv = r.string(rn, prefix + "roles");
        Role role = Role.tryParse(rv);
        if (rv != null && role == null) {
          r.problems()
              .add(
                  rn.line(),
                  prefix + "roles",
                  "unknown role \""
                      + YRead.clip(rv)
                      + "\" (known: control-plane, etcd, worker, infra)");
        } else if (role != null) {
          roles.add(role);
        }
      }
    }
    SshSpec ssh = ssh(r, r.map(m.get("ssh"), prefix + "ssh"), prefix + "ssh.");
    Map<String, String> labels = new LinkedHashMap<>();
    YNode.YMap lm = r.map(m.get("labels"), prefix + "labels");
    if (lm != null) {
      for (YNode.Entry e : lm.entries().values()) {
        String v =
            e.value() instanceof YNode.YScalar s
                ? s.value()
                : r.string(e.value(), prefix + "labels." + e.key());
        labels.put(e.key(), v == null ? "" : v);
      }
    }
    List<Taint> taints = new ArrayList<>();
    YNode.YSeq ts = r.seq(m.get("taints"), prefix + "taints");
    if (ts != null) {
      for (YNode tn : ts.items()) {
        YNode.YMap tm = r.map(tn, prefix + "taints");
        if (tm != null) {
          r.allowOnly(tm, prefix + "taints.", TAINT);
          String key = r.required(tm, "key", prefix + "taints.key", tm.line());
          String effect = r.required(tm, "effect", prefix + "taints.effect", tm.line());
          if (key != null && effect != null) {
            taints.add(new Taint(key, r.string(tm.get("value"), prefix + "taints.value"), effect));
          }
        }
      }
    }
    String podCidr = r.string(m.get("podCidr"), prefix + "podCidr");
    if (name == null) {
      return null;
    }
    pos.node(name, m.line());
    for (String f : List.of("name", "address", "ip", "roles", "labels", "taints", "podCidr")) {
      pos.nodeField(name, f, line(m, f), prefix + f);
    }
    for (String f : List.of("user", "port", "keyRef", "hostKey", "knownHosts")) {
      pos.nodeField(name, "ssh." + f, sshLine(m.get("ssh"), f), prefix + "ssh." + f);
    }
    return new NodeSpec(name, address, ip, roles, ssh, labels, taints, podCidr);
  }

  static SshSpec ssh(YRead r, YNode.YMap m, String prefix) {
    if (m == null) {
      return SshSpec.EMPTY;
    }
    r.allowOnly(m, prefix, SSH);
    return new SshSpec(
        r.string(m.get("user"), prefix + "user"),
        r.integer(m.get("port"), prefix + "port", 1, 65535),
        r.string(m.get("keyRef"), prefix + "keyRef"),
        r.bool(m.get("sudo"), prefix + "sudo"),
        r.string(m.get("hostKey"), prefix + "hostKey"),
        r.string(m.get("knownHosts"), prefix + "knownHosts"));
  }

  private static EtcdSpec etcd(YRead r, YNode.YMap m, SourcePositions pos) {
    EtcdSpec d = EtcdSpec.kubeadmDefaults();
    if (m == null) {
      return d;
    }
    r.allowOnly(m, "etcd.", ETCD);
    EtcdTopology topology = d.topology();
    String t = r.string(m.get("topology"), "etcd.topology");
    if (t != null) {
      topology = EtcdTopology.tryParse(t);
      if (topology == null) {
        r.problems()
            .add(
                m.get("topology").line(),
                "etcd.topology",
                "\"" + YRead.clip(t) + "\" is not stacked or external");
      }
    }
    pos.cluster("etcd.topology", line(m, "topology"), "etcd.topology");
    List<String> endpoints = new ArrayList<>();
    YNode.YSeq es = r.seq(m.get("endpoints"), "etcd.endpoints");
    if (es != null) {
      for (YNode e : es.items()) {
        String v = r.string(e, "etcd.endpoints");
        if (v != null) {
          endpoints.add(v);
        }
      }
    }
    pos.cluster("etcd.endpoints", line(m, "endpoints"), "etcd.endpoints");
    String ca = r.string(m.get("caCert"), "etcd.caCert");
    String cert = r.string(m.get("clientCert"), "etcd.clientCert");
    String key = r.string(m.get("clientKey"), "etcd.clientKey");
    boolean anyTls =
        m.get("caCert") != null || m.get("clientCert") != null || m.get("clientKey") != null;
    return new EtcdSpec(
        topology,
        endpoints,
        anyTls ? ca : d.caCert(),
        anyTls ? cert : d.clientCert(),
        anyTls ? key : d.clientKey());
  }

  private static int line(YNode.YMap m, String key) {
    YNode.Entry e = m.entries().get(key);
    return e == null ? 0 : e.value() instanceof YNode.YScalar ? e.value().line() : e.keyLine();
  }

  private static int sshLine(YNode ssh, String key) {
    return ssh instanceof YNode.YMap m ? line(m, key) : 0;
  }
}
