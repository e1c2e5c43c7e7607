package dev.graft.workflows.plan;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.ValidationOverrides;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small builders so that decision tables read as data. */
final class Fixtures {
  private Fixtures() {}

  /** "cp+etcd", "worker", "infra+worker" ... to roles. */
  static List<Role> roles(String spec) {
    if (spec.isBlank()) {
      return List.of();
    }
    return Arrays.stream(spec.split("\\+")).map(Role::fromWireName).toList();
  }

  /** A node k8s-nodeN at 10.200.70.1N with the given roles ("control-plane+etcd"). */
  static NodeSpec node(int n, String roles) {
    return node(n, roles, null);
  }

  static NodeSpec node(int n, String roles, String podCidr) {
    String ip = "10.200.70." + (10 + n);
    return new NodeSpec("k8s-node" + n, ip, ip, roles(roles), null, null, null, podCidr);
  }

  static ClusterSpec cluster(EtcdTopology topology, boolean allowEven, NodeSpec... nodes) {
    return cluster("10.233.64.0/18", 24, topology, allowEven, nodes);
  }

  static ClusterSpec cluster(
      String podNet, int mask, EtcdTopology topology, boolean allowEven, NodeSpec... nodes) {
    return new ClusterSpec(
        "lab",
        "https://10.200.70.11:6443",
        null,
        "v1.26.6",
        new PodNetwork(podNet, mask),
        "10.233.0.0/18",
        new EtcdSpec(topology, List.of(), null, null, null),
        null,
        List.of(nodes),
        new ValidationOverrides(allowEven));
  }

  static ObservedNode observed(int n, String roles, String podCidr) {
    return new ObservedNode("k8s-node" + n, "10.200.70." + (10 + n), roles(roles), podCidr);
  }

  static EtcdMember member(int n, boolean healthy, boolean learner) {
    return new EtcdMember(
        "k8s-node" + n,
        Integer.toHexString(n),
        "https://10.200.70." + (10 + n) + ":2380",
        healthy,
        learner);
  }

  static ObservedCluster state(List<ObservedNode> nodes, List<EtcdMember> members) {
    return new ObservedCluster(new ArrayList<>(nodes), new ArrayList<>(members));
  }
}
