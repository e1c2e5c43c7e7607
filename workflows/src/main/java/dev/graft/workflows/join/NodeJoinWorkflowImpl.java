package dev.graft.workflows.join;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;

public class NodeJoinWorkflowImpl extends StepsWorkflow implements NodeJoinWorkflow {
  @Override
  public NodeJoinResult join(NodeJoinRequest r) {
    ExecutionPolicy policy = steps.ownRetries(r.policy(), ActivityKinds::steps);
    NodeSpec node = r.node();
    String name = node.name();
    HostActivities host = Workflow.newActivityStub(HostActivities.class, ActivityKinds.ssh(policy));
    KubeadmActivities kubeadm =
        Workflow.newActivityStub(KubeadmActivities.class, ActivityKinds.ssh(policy));
    NodeObjectActivities api =
        Workflow.newActivityStub(NodeObjectActivities.class, ActivityKinds.kube(policy));
    NodeObjectActivities waiter =
        Workflow.newActivityStub(
            NodeObjectActivities.class, ActivityKinds.waitFor(policy, policy.readyTimeout()));
    NodeObjectActivities undoApi =
        Workflow.newActivityStub(NodeObjectActivities.class, ActivityKinds.compensation());
    KubeadmActivities undoKubeadm =
        Workflow.newActivityStub(KubeadmActivities.class, ActivityKinds.compensation());

    HostRequest onHost = new HostRequest(r.cluster(), node);
    // Tells the parent operation when a step here parks for an operator, and when none does.
    AttentionReporter.start(steps);
    NodeObjectRequest nodeObject = new NodeObjectRequest(r.cluster(), r.kubeconfig(), node);

    steps.declare("reach", "reach over SSH", name, false);
    steps.declare("prechecks", "pre-checks", name, true);
    steps.declare("provision", "provision", name, false);
    steps.declare("register", "register the Node", name, false);
    steps.declare("join", "kubeadm join", name, false);
    steps.declare("ready", "wait for Ready, uncordon, final labels", name, false);

    OperationOutcome outcome =
        steps.operation(
            () -> {
              steps.run("reach", "reach over SSH", name, false, () -> host.reach(onHost));
              steps.run(
                  "prechecks",
                  "pre-checks",
                  name,
                  true,
                  () ->
                      host.precheck(
                          new PrecheckRequest(
                              r.cluster(),
                              node,
                              r.otherHostnames(),
                              r.serviceCidr(),
                              r.controlPlane(),
                              policy)));
              steps.run("provision", "provision", name, false, () -> host.provision(onHost));
              // Compensations are registered before the call they undo.
              steps.onAbort(
                  "undo-register",
                  "delete the Node object",
                  name,
                  () -> undoApi.delete(nodeObject));
              steps.run(
                  "register", "register the Node", name, false, () -> api.register(nodeObject));
              steps.onAbort("undo-join", "kubeadm reset", name, () -> undoKubeadm.reset(onHost));
              steps.run(
                  "join",
                  "kubeadm join",
                  name,
                  false,
                  () ->
                      kubeadm.join(
                          new JoinRequest(
                              r.cluster(),
                              r.kubeconfig(),
                              r.apiEndpoint(),
                              node,
                              node.hasRole(Role.CONTROL_PLANE) ? r.controlPlane() : null)));
              steps.run(
                  "ready",
                  "wait for Ready, uncordon, final labels",
                  name,
                  false,
                  () ->
                      waiter.awaitReady(
                          new ReadyRequest(
                              r.cluster(), r.kubeconfig(), node, policy.readyTimeout())));
            });
    if (outcome == OperationOutcome.COMPLETED
        && Workflow.getVersion(PRUNE_RUNS_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1) {
      pruneRuns(onHost, policy);
    }
    return new NodeJoinResult(name, outcome, steps.view());
  }

  /**
   * Workflow.getVersion change id: version 1 removes the node's finished run directories (each
   * attempt's output of the detached kubeadm join) once the node's part of the operation has
   * completed; every attempt's output is in the audit by then. A failed or aborted join keeps them
   * for the post-mortem (a later launch prunes run directories older than 7 days).
   */
  static final String PRUNE_RUNS_CHANGE = "prune-runs";

  /** Housekeeping, not a step: a node that cannot be reached now keeps its run directories. */
  private static void pruneRuns(HostRequest onHost, ExecutionPolicy policy) {
    KubeadmActivities prune =
        Workflow.newActivityStub(KubeadmActivities.class, ActivityKinds.ssh(policy));
    try {
      prune.pruneRuns(onHost);
    } catch (ActivityFailure e) {
      Workflow.getLogger(NodeJoinWorkflowImpl.class)
          .warn(
              "could not prune the run directories on {}: {}",
              onHost.node().name(),
              e.getMessage());
    }
  }
}
