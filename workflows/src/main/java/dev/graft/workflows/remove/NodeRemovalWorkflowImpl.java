package dev.graft.workflows.remove;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.NodeRemoval;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * One node's removal (see {@link NodeRemovalWorkflow}). Every step observes before it acts and
 * reports already-satisfied when its work is done, so a worker that dies anywhere resumes here
 * without doing anything twice; the member is removed by id and only while a fresh read keeps the
 * quorum projection (the activity checks it again on every attempt).
 *
 * <p>The order is what keeps the cluster whole: pods leave before the node does; leadership leaves
 * before the member; the member leaves etcd before the apiservers stop naming it and before the
 * node's etcd is wiped by {@code kubeadm reset}; the kubelet is stopped (reset) before the Node is
 * deleted, or it would register it again.
 */
public class NodeRemovalWorkflowImpl extends StepsWorkflow implements NodeRemovalWorkflow {
  static final int PARALLEL_HOSTS = 10;

  @Override
  public NodeJoinResult remove(NodeRemovalRequest r) {
    ExecutionPolicy policy = steps.ownRetries(r.policy(), ActivityKinds::steps);
    NodeRemoval n = r.node();
    String name = n.name();
    RemovalHostActivities host =
        Workflow.newActivityStub(RemovalHostActivities.class, ActivityKinds.ssh(policy));
    RemovalApiActivities api =
        Workflow.newActivityStub(RemovalApiActivities.class, ActivityKinds.kube(policy));
    RemovalApiActivities drainer =
        Workflow.newActivityStub(
            RemovalApiActivities.class, ActivityKinds.waitFor(policy, r.drainTimeout()));
    RemovalApiActivities undo =
        Workflow.newActivityStub(RemovalApiActivities.class, ActivityKinds.compensation());
    RemovalEtcdActivities etcd =
        Workflow.newActivityStub(RemovalEtcdActivities.class, ActivityKinds.etcdRemoval(policy));
    RemovalNodeRequest onApi =
        new RemovalNodeRequest(r.cluster(), r.kubeconfig(), n.node(), r.drainTimeout());
    RemovalHostRequest onHost = new RemovalHostRequest(r.cluster(), r.operationId(), n.node());
    MemberIdRequest member =
        n.etcdMember()
            ? new MemberIdRequest(
                r.cluster(),
                r.etcd(),
                n.memberName(),
                n.memberId(),
                n.peerUrl(),
                r.avoid(),
                r.approveMember())
            : null;
    List<NodeSpec> others = r.staying();
    List<NodeSpec> cps = others.stream().filter(o -> o.hasRole(Role.CONTROL_PLANE)).toList();
    boolean dropServers = n.clientUrl() != null && !cps.isEmpty();

    AttentionReporter.start(steps);
    steps.declare(
        "drain",
        r.unreachable() ? "pods left (not drained: unreachable)" : "cordon and drain",
        name,
        true);
    if (member != null) {
      steps.declare("etcd-leader", "move etcd leadership off " + name, name, false);
      if (r.approveMember()) {
        steps.declareGate(
            "approve/etcd-member", "approve leaving etcd without fault tolerance", name);
      }
      steps.declare("etcd-member", "remove etcd member " + n.memberId(), name, false);
    }
    if (dropServers) {
      cps.forEach(
          cp ->
              steps.declare(
                  "etcd-servers/" + cp.name(), "--etcd-servers without " + name, cp.name(), false));
    }
    steps.declare("reset", "kubeadm reset -f", name, false);
    steps.declare("node-object", "delete Node " + name, name, false);
    others.forEach(
        o -> steps.declare("routes/" + o.name(), "drop pod route to " + name, o.name(), false));
    steps.declare("routes/" + name, "remove its own pod network", name, false);
    steps.declare("tokens", "revoke leftover bootstrap tokens", name, false);

    OperationOutcome outcome =
        steps.operation(
            () -> {
              if (r.unreachable()) {
                steps.run(
                    "drain",
                    "pods left (not drained: unreachable)",
                    name,
                    false,
                    () -> api.podsLeft(onApi));
              } else {
                // Registered before the cordon: an abort before the member is gone gives the node
                // back.
                steps.onAbort("undo-drain", "uncordon", name, () -> undo.uncordon(onApi));
                steps.run("drain", "cordon and drain", name, true, () -> drainer.drain(onApi));
              }
              if (member != null) {
                steps.run(
                    "etcd-leader",
                    "move etcd leadership off " + name,
                    name,
                    false,
                    ActivityKinds.etcdChanges(policy),
                    () -> etcd.moveLeaderOff(member));
                if (r.approveMember()) {
                  // The operator accepted a removal the strict projection refuses: it waits for an
                  // explicit approval, with the leader already moved and nothing of etcd changed
                  // yet.
                  steps.gate(
                      "approve/etcd-member",
                      "approve removing etcd member "
                          + n.memberId()
                          + " ("
                          + name
                          + "): etcd is left without fault tolerance until a member is added");
                }
                // From here on the node does not come back: nothing to undo.
                steps.keep("undo-drain");
                steps.run(
                    "etcd-member",
                    "remove etcd member " + n.memberId(),
                    name,
                    false,
                    ActivityKinds.etcdChanges(policy),
                    () -> etcd.removeMember(member));
              }
              if (dropServers) {
                for (NodeSpec cp : cps) {
                  steps.run(
                      "etcd-servers/" + cp.name(),
                      "--etcd-servers without " + name,
                      cp.name(),
                      false,
                      () ->
                          host.dropEtcdServers(
                              new EtcdServersRequest(
                                  r.cluster(), cp, List.of(n.clientUrl()), r.etcdServers())));
                }
              }
              steps.keep("undo-drain");
              if (r.unreachable()) {
                steps.notRun(
                    "reset",
                    "kubeadm reset -f",
                    name,
                    "not run: "
                        + name
                        + " is unreachable (--unreachable);"
                        + " reset it by hand before it is used again (kubeadm reset -f), or reinstall it");
              } else {
                steps.run("reset", "kubeadm reset -f", name, false, () -> host.reset(onHost));
              }
              steps.run(
                  "node-object", "delete Node " + name, name, false, () -> api.deleteNode(onApi));
              String cidr = n.podCidr();
              Parallel.forEach(
                  others,
                  PARALLEL_HOSTS,
                  o -> {
                    if (cidr == null) {
                      steps.notRun(
                          "routes/" + o.name(),
                          "drop pod route to " + name,
                          o.name(),
                          "no pod CIDR was recorded for " + name + ": no route to drop");
                    } else {
                      steps.run(
                          "routes/" + o.name(),
                          "drop pod route to " + name,
                          o.name(),
                          false,
                          () ->
                              host.dropRoutes(
                                  new RouteDropRequest(
                                      r.cluster(), o, name, n.node().routeAddress(), cidr)));
                    }
                  });
              if (r.unreachable()) {
                steps.notRun(
                    "routes/" + name,
                    "remove its own pod network",
                    name,
                    "not run: " + name + " is unreachable");
              } else {
                steps.run(
                    "routes/" + name,
                    "remove its own pod network",
                    name,
                    false,
                    () -> host.cleanPodNetwork(onHost));
              }
              steps.run(
                  "tokens",
                  "revoke leftover bootstrap tokens",
                  name,
                  false,
                  () -> api.revokeTokens(onApi));
            });
    return new NodeJoinResult(name, outcome, steps.view());
  }
}
