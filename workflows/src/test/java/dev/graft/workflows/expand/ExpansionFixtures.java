package dev.graft.workflows.expand;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.plan.PlanOptions;
import dev.graft.workflows.plan.Planner;
import dev.graft.workflows.step.ExecutionPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Clusters and plans for expansion tests: real plans from the real planner. */
final class ExpansionFixtures {
  private ExpansionFixtures() {}

  static final SshSpec SSH =
      new SshSpec("graft", 22, "/etc/graft/keys/id_ed25519", true, null, "/etc/graft/known_hosts");

  static NodeSpec node(int i, Role... roles) {
    String ip = "10.0." + (i / 250) + "." + (i % 250 + 1);
    return new NodeSpec("node" + i, ip, null, List.of(roles), null, null, null, null);
  }

  /**
   * An existing cluster of node1 (control plane + etcd) and node2 (worker), growing by {@code
   * controlPlanes} control-plane + etcd nodes and {@code workers} workers.
   */
  static ClusterSpec cluster(int controlPlanes, int workers) {
    List<NodeSpec> nodes = new ArrayList<>();
    nodes.add(node(1, Role.CONTROL_PLANE, Role.ETCD));
    nodes.add(node(2, Role.WORKER));
    int i = 3;
    for (int c = 0; c < controlPlanes; c++) {
      nodes.add(node(i++, Role.CONTROL_PLANE, Role.ETCD));
    }
    for (int w = 0; w < workers; w++) {
      nodes.add(node(i++, Role.WORKER));
    }
    return new ClusterSpec(
        "prod",
        "https://10.0.0.2:6443",
        "/etc/graft/prod.conf",
        "v1.32.0",
        new PodNetwork("10.64.0.0/10", 24),
        "10.96.0.0/12",
        new EtcdSpec(EtcdTopology.STACKED, List.of(), null, null, null),
        SSH,
        nodes,
        null);
  }

  static ExpansionPlan plan(ClusterSpec cluster, int maxParallel) {
    ObservedCluster observed =
        new ObservedCluster(
            List.of(
                new ObservedNode("node1", "10.0.0.2", List.of(Role.CONTROL_PLANE), "10.64.1.0/24"),
                new ObservedNode("node2", "10.0.0.3", List.of(Role.WORKER), "10.64.2.0/24")),
            List.of(new EtcdMember("node1", "1", "https://10.0.0.2:2380", true, false)));
    ExpansionPlan plan = Planner.plan(cluster, observed, new PlanOptions(maxParallel));
    if (plan.refused()) {
      throw new IllegalStateException("fixture plan refused: " + plan.refusals());
    }
    return plan;
  }

  static ExecutionPolicy policy() {
    return new ExecutionPolicy(2, Duration.ofMinutes(1), "4.20", Duration.ofSeconds(5));
  }

  static ExpansionOptions options(
      int maxParallel, boolean approval, boolean eachControlPlane, boolean exclude) {
    return new ExpansionOptions(
        approval, eachControlPlane, maxParallel, exclude, Map.of(), policy());
  }

  static OperationRequest request(String requestId, ClusterSpec cluster, ExpansionOptions options) {
    return new OperationRequest(
        "expand", requestId, "alice", cluster, plan(cluster, options.maxParallel()), options);
  }
}
