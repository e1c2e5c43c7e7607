package dev.graft.workflows.expand;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinWorkflow;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.PhaseKind;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.StepState;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs one expansion plan (see {@link ExpansionWorkflow}). Each node joins in a child workflow of
 * its own, so this history grows by a few events per node, not by every step of every node.
 */
public class ExpansionWorkflowImpl extends OperationWorkflow implements ExpansionWorkflow {
  /**
   * Workflow.getVersion change id: version 1 runs {@link GrowthEtcdStage} (gate, growth child,
   * verification); histories without the marker replay with {@link KubeadmEtcdStage}.
   */
  static final String ETCD_STAGE_CHANGE = "etcd-growth-stage";

  private EtcdStage etcd;
  private final List<String> excluded = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();

  /** The etcd stage by version: expansions started before the growth stage keep kubeadm's. */
  public ExpansionWorkflowImpl() {
    this(null);
  }

  /** With another etcd stage (tests; see {@link EtcdStage}). */
  public ExpansionWorkflowImpl(EtcdStage etcd) {
    this.etcd = etcd;
  }

  @Override
  public ExpansionResult expand(OperationRequest r) {
    if (etcd == null) {
      int version = Workflow.getVersion(ETCD_STAGE_CHANGE, Workflow.DEFAULT_VERSION, 1);
      etcd = version == Workflow.DEFAULT_VERSION ? new KubeadmEtcdStage() : new GrowthEtcdStage();
    }
    begin(r);
    ExpansionInputs in = new ExpansionInputs(request);
    NewNodePrechecks.declare(steps, in);
    List<NodeSpec> joining = new ArrayList<>(in.phaseNodes(PhaseKind.CONTROL_PLANE_AND_ETCD));
    joining.addAll(in.phaseNodes(PhaseKind.WORKERS));
    for (NodeSpec n : joining) {
      steps.declare("node/" + n.name(), joinName(n), n.name(), !n.hasRole(Role.CONTROL_PLANE));
    }
    OperationOutcome outcome = operate(() -> run(in));
    String message =
        outcome == OperationOutcome.ABORTED
            ? abortMessage()
            : "expanded by "
                + (in.newNodes().size() - excluded.size() - skipped.size())
                + " node(s)"
                + (excluded.isEmpty() ? "" : "; excluded after failed pre-checks: " + excluded)
                + (skipped.isEmpty() ? "" : "; skipped by an operator: " + skipped);
    return result(
        outcome,
        message,
        in.newNodes().stream().map(NodeSpec::name).toList(),
        excluded,
        skipped,
        "joined",
        "already-joined");
  }

  /** Who aborted and why, from the recorded decision (a cancellation has none). */
  private String abortMessage() {
    return steps.actions().stream()
            .filter(a -> a.decision() == Decision.ABORT)
            .reduce((a, b) -> b)
            .map(
                a ->
                    "aborted by " + a.actor() + (a.reason() == null ? "" : " (" + a.reason() + ")"))
            .orElse("cancelled")
        + "; running joins were cancelled and ran their compensations";
  }

  private void run(ExpansionInputs in) {
    ExpansionOptions options = request.options();
    String refusal = etcd.refusal(in.etcd(Set.of()));
    if (refusal != null) {
      failure = refusal;
      return;
    }
    phase = PhaseKind.PRECHECKS.name();
    List<String> failed = NewNodePrechecks.run(steps, request, in);
    if (!failed.isEmpty()) {
      if (!options.excludeFailedPrechecks() || failed.size() == in.newNodes().size()) {
        failure = "pre-checks failed on " + failed + "; nothing in the cluster was changed";
        return;
      }
      excluded.addAll(failed);
    }
    if (options.requireApproval()) {
      steps.gate("approve", "approve the expansion before the cluster changes");
    }
    phase = PhaseKind.CONTROL_PLANE_AND_ETCD.name();
    EtcdStageRequest etcdRequest = in.etcd(leftOut());
    for (NodeSpec n : in.phaseNodes(PhaseKind.CONTROL_PLANE_AND_ETCD)) {
      if (excluded.contains(n.name())) {
        continue;
      }
      if (options.requireApproval() && options.approveEachControlPlane()) {
        steps.gate("approve/" + n.name(), "approve joining control-plane node " + n.name());
      }
      if (etcd.gates()) {
        etcdStep(
            "etcd-gate/" + n.name(),
            "etcd quorum and health gate",
            n,
            () -> etcd.gate(etcdRequest.about(n)));
      }
      join(in, n);
      if (n.hasRole(Role.ETCD)) {
        etcdStep(
            "etcd/" + n.name(), "etcd member", n, () -> etcd.grow(etcdRequest.about(n), children));
      }
    }
    phase = PhaseKind.WORKERS.name();
    List<NodeSpec> workers =
        in.phaseNodes(PhaseKind.WORKERS).stream()
            .filter(n -> !excluded.contains(n.name()))
            .toList();
    Parallel.forEach(workers, options.maxParallel(), n -> join(in, n));
    phase = PhaseKind.ROUTING.name();
    RoutingStep.run(children, request.operationId(), in.routing(leftOut()));
    phase = PhaseKind.VERIFICATION.name();
    ExecutionPolicy policy = options.policy();
    VerifyActivities verify =
        Workflow.newActivityStub(VerifyActivities.class, ActivityKinds.kube(policy));
    steps.run(
        "verify/nodes-ready",
        "every node Ready",
        null,
        false,
        () -> verify.nodesReady(in.nodesReady(leftOut())));
    if (etcd.verifies()) {
      etcdStep(
          "verify/etcd",
          "etcd voters as planned; API servers on every endpoint",
          null,
          () -> etcd.verify(in.etcd(leftOut())));
    }
  }

  /** One node's join as a child; a child that ends aborted parks the step for an operator. */
  private void join(ExpansionInputs in, NodeSpec n) {
    String stepId = "node/" + n.name();
    NodeJoinRequest joinRequest = in.join(n);
    ChildStepResult done =
        children.step(
            stepId,
            joinName(n),
            n.name(),
            !n.hasRole(Role.CONTROL_PLANE),
            ChildSteps.child(
                NodeJoinRequest.workflowId(in.operationId(), n.name()),
                "the join of " + n.name(),
                NodeJoinWorkflow.class,
                c -> Async.function(c::join, joinRequest)),
            result -> ChildStepResult.of("joined", result.steps()));
    if (done == null
        && !n.hasRole(Role.CONTROL_PLANE)
        && steps.view().stream()
            .anyMatch(s -> s.id().equals(stepId) && s.state() == StepState.SKIPPED)) {
      skipped.add(n.name());
    }
  }

  private void etcdStep(String id, String name, NodeSpec n, Supplier<EtcdStageResult> call) {
    steps.run(
        id,
        name,
        n == null ? null : n.name(),
        false,
        () -> {
          EtcdStageResult result = call.get();
          if (result.childWorkflowId() != null) {
            // Keyed by step: every member's growth runs under the cluster's one membership id.
            children.ran(id, result.childWorkflowId(), result.steps());
          }
          return result;
        });
  }

  private Set<String> leftOut() {
    Set<String> out = new LinkedHashSet<>(excluded);
    out.addAll(skipped);
    return out;
  }

  private static String joinName(NodeSpec n) {
    return n.hasRole(Role.CONTROL_PLANE) ? "join as control plane" : "join as worker";
  }

  @Override
  public ExpansionProgress progress() {
    return progress(request == null ? null : request.plan(), excluded, null, null);
  }

  @Override
  public void childAttention(ChildAttention attention) {
    super.childAttention(attention);
    AttentionRelay.forward(attention);
  }
}
