package dev.graft.workflows.plan;

import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Builds the phases of a plan; the checks listed here are what the workflow runs per step. */
final class PlanPhases {
  private PlanPhases() {}

  /** A node as the routing phase sees it. */
  record Routed(String name, String address, String podCidr) {}

  static Phase prechecks(List<NodeSpec> added, Map<String, String> podCidrs) {
    List<PlanStep> steps = new ArrayList<>();
    for (NodeSpec n : added) {
      List<String> checks = new ArrayList<>();
      checks.add("ssh: connect to " + n.address() + " with a verified host key; sudo works if set");
      checks.add("hostname answers " + n.name());
      checks.add("swap is off");
      checks.add("kernel is 4.20 or newer");
      checks.add("net.ipv4.ip_forward can be set to 1");
      checks.add("ports free: " + ports(n));
      if (podCidrs.containsKey(n.name())) {
        checks.add("pod CIDR " + podCidrs.get(n.name()) + " is not routed on the node yet");
      }
      steps.add(
          new PlanStep(
              n.name(),
              "precheck",
              n.roles(),
              "pre-check " + n.name() + " (" + roleText(n.roles()) + ")",
              checks,
              null,
              null));
    }
    return new Phase(PhaseKind.PRECHECKS, "Pre-checks on every new node", added.size(), steps);
  }

  static Phase controlPlane(List<NodeSpec> nodes, int members, int healthy, EtcdTopology topology) {
    List<PlanStep> steps = new ArrayList<>();
    for (NodeSpec n : nodes) {
      boolean etcd = n.hasRole(Role.ETCD);
      boolean cp = n.hasRole(Role.CONTROL_PLANE);
      QuorumProjection q =
          etcd ? QuorumMath.projectAdd(members, healthy) : QuorumMath.unchanged(members, healthy);
      List<String> checks = new ArrayList<>();
      checks.add("etcd: every member healthy and no learner, re-checked right before the step");
      if (etcd) {
        checks.add(
            "quorum projected with the new member counted as failed: "
                + q.membersBefore()
                + " -> "
                + q.membersAfter()
                + " members, quorum "
                + q.quorumAfter()
                + ", tolerates "
                + q.faultToleranceAfter()
                + " failure(s)");
        checks.add("etcd member added as a learner, promoted only once caught up");
      }
      if (cp) {
        checks.add("node registers and turns Ready");
      }
      if (etcd && topology == EtcdTopology.EXTERNAL) {
        checks.add("--etcd-servers of every API server lists the new member");
      }
      checks.add("etcd healthy again before the next step starts");
      String action =
          cp && etcd
              ? "join-control-plane-with-etcd"
              : cp ? "join-control-plane" : "add-etcd-member";
      steps.add(
          new PlanStep(
              n.name(),
              action,
              n.roles(),
              n.name() + " joins as " + roleText(n.roles()),
              checks,
              q,
              null));
      if (etcd) {
        members++;
        healthy++; // the next step may only start once this member is healthy
      }
    }
    return new Phase(PhaseKind.CONTROL_PLANE_AND_ETCD, "Control plane and etcd", 1, steps);
  }

  static Phase workers(List<NodeSpec> nodes, int maxParallel) {
    List<PlanStep> steps = new ArrayList<>();
    for (NodeSpec n : nodes) {
      steps.add(
          new PlanStep(
              n.name(),
              "join-worker",
              n.roles(),
              n.name() + " joins as " + roleText(n.roles()),
              List.of("node registers and turns Ready", "labels and taints applied"),
              null,
              null));
    }
    return new Phase(PhaseKind.WORKERS, "Workers", Math.min(maxParallel, nodes.size()), steps);
  }

  static Phase routing(List<Routed> nodes) {
    List<PlanStep> steps = new ArrayList<>();
    for (Routed n : nodes) {
      List<Route> routes = new ArrayList<>();
      for (Routed other : nodes) {
        if (other != n && other.podCidr() != null && other.address() != null) {
          routes.add(new Route(other.podCidr(), other.address(), other.name()));
        }
      }
      steps.add(
          new PlanStep(
              n.name(),
              "install-routes",
              List.of(),
              "routes on " + n.name() + " to the pod CIDRs of " + routes.size() + " other node(s)",
              List.of(
                  "net.ipv4.ip_forward=1",
                  "FORWARD accepts pod traffic",
                  "routes replaced, never duplicated"),
              null,
              routes));
    }
    return new Phase(PhaseKind.ROUTING, "Pod routes on every node", nodes.size(), steps);
  }

  static Phase verification(int nodes, int etcdMembers) {
    List<PlanStep> steps = new ArrayList<>();
    steps.add(
        new PlanStep(
            null,
            "verify-nodes-ready",
            List.of(),
            "all " + nodes + " nodes Ready",
            List.of(),
            null,
            null));
    if (etcdMembers > 0) {
      steps.add(
          new PlanStep(
              null,
              "verify-etcd",
              List.of(),
              "etcd: " + etcdMembers + " voting members, all healthy, no learner",
              List.of(),
              null,
              null));
    }
    steps.add(
        new PlanStep(
            null,
            "verify-pod-network",
            List.of(),
            "pod-to-pod traffic between every pair of nodes",
            List.of(),
            null,
            null));
    return new Phase(PhaseKind.VERIFICATION, "Verification", 1, steps);
  }

  static String roleText(List<Role> roles) {
    return roles.isEmpty()
        ? "no role"
        : roles.stream().map(Role::wireName).collect(Collectors.joining(" + "));
  }

  private static String ports(NodeSpec n) {
    List<String> p = new ArrayList<>();
    if (n.hasRole(Role.CONTROL_PLANE)) {
      p.add("6443");
    }
    if (n.hasRole(Role.ETCD)) {
      p.add("2379");
      p.add("2380");
    }
    p.add("10250");
    return String.join(", ", p);
  }
}
