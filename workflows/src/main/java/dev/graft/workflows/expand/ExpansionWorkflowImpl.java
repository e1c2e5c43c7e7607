package dev.graft.workflows.expand;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.join.HostActivities;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.join.NodeJoinWorkflow;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.PhaseKind;
import dev.graft.workflows.routing.RoutingRequest;
import dev.graft.workflows.routing.RoutingResult;
import dev.graft.workflows.routing.RoutingWorkflow;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationChildren;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.StepView;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Runs one expansion plan (see {@link ExpansionWorkflow}). Each node joins in a child workflow of
 * its own, so this history grows by a few events per node, not by every step of every node.
 */
public class ExpansionWorkflowImpl extends StepsWorkflow implements ExpansionWorkflow {
  private static final Logger LOG = Workflow.getLogger(ExpansionWorkflowImpl.class);
  /** Pre-checks only read, but each holds an SSH session: bound them for the worker's sake. */
  static final int PRECHECK_PARALLELISM = 50;
  /**
   * Workflow.getVersion change id: version 1 runs {@link GrowthEtcdStage} (gate, growth child,
   * verification); histories without the marker replay with {@link KubeadmEtcdStage}.
   */
  static final String ETCD_STAGE_CHANGE = "etcd-growth-stage";

  private EtcdStage etcd;
  private final Set<String> wrappers = new LinkedHashSet<>();
  private final Map<String, String> children = new LinkedHashMap<>();
  private final Map<String, List<StepView>> childSteps = new LinkedHashMap<>();
  private final OperationChildren kids = new OperationChildren(steps);
  private final List<String> excluded = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();
  private OperationRequest request;
  private String phase;
  private String failure;
  private OperationState ended;
  private Long startedAt;
  private Long endedAt;

  /** The etcd stage by version: expansions started before the growth stage keep kubeadm's. */
  public ExpansionWorkflowImpl() {
    this(null);
  }

  /** With another etcd stage: where issue #6's etcd growth plugs in (see {@link EtcdStage}). */
  public ExpansionWorkflowImpl(EtcdStage etcd) {
    this.etcd = etcd;
  }

  @Override
  public ExpansionResult expand(OperationRequest r) {
    if (etcd == null) {
      int version = Workflow.getVersion(ETCD_STAGE_CHANGE, Workflow.DEFAULT_VERSION, 1);
      etcd = version == Workflow.DEFAULT_VERSION ? new KubeadmEtcdStage() : new GrowthEtcdStage();
    }
    ExecutionPolicy own = steps.ownRetries(r.options().policy(), ActivityKinds::steps);
    request = r.withOptions(r.options().withPolicy(own));
    startedAt = Workflow.currentTimeMillis();
    ExpansionInputs in = new ExpansionInputs(request);
    for (NodeSpec n : in.newNodes()) {
      steps.declare("reach/" + n.name(), "reach over SSH", n.name(), false);
      steps.declare("precheck/" + n.name(), "pre-checks", n.name(), false);
    }
    for (NodeSpec n : concat(in.phaseNodes(PhaseKind.CONTROL_PLANE_AND_ETCD), in.phaseNodes(PhaseKind.WORKERS))) {
      steps.declare("node/" + n.name(), joinName(n), n.name(), !n.hasRole(Role.CONTROL_PLANE));
    }
    ProgressReporter.start(this::summary);
    kids.cancelOnAbort();
    OperationOutcome outcome = steps.operation(() -> run(in));
    if (failure != null && outcome == OperationOutcome.COMPLETED) {
      outcome = OperationOutcome.FAILED;
    }
    phase = null;
    endedAt = Workflow.currentTimeMillis();
    ended = switch (outcome) {
      case COMPLETED -> OperationState.DONE;
      case ABORTED -> OperationState.ABORTED;
      case FAILED -> OperationState.FAILED;
    };
    String message = failure != null ? failure
        : outcome == OperationOutcome.ABORTED ? abortMessage()
        : "expanded by " + (in.newNodes().size() - excluded.size() - skipped.size()) + " node(s)"
            + (excluded.isEmpty() ? "" : "; excluded after failed pre-checks: " + excluded)
            + (skipped.isEmpty() ? "" : "; skipped by an operator: " + skipped);
    LOG.info("expansion {} ended {}: {}", r.operationId(), outcome, message);
    return ExpansionSummary.of(r.operationId(), outcome, message, steps.view(), wrappers, childSteps,
        in.newNodes().stream().map(NodeSpec::name).toList(), excluded, skipped, endedAt - startedAt);
  }

  /** Who aborted and why, from the recorded decision (a cancellation has none). */
  private String abortMessage() {
    return steps.actions().stream()
        .filter(a -> a.decision() == dev.graft.workflows.step.Decision.ABORT)
        .reduce((a, b) -> b)
        .map(a -> "aborted by " + a.actor() + (a.reason() == null ? "" : " (" + a.reason() + ")"))
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
    List<String> failed = prechecks(in);
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
        etcdStep("etcd-gate/" + n.name(), "etcd quorum and health gate", n, () -> etcd.gate(etcdRequest.about(n)));
      }
      join(in, n);
      if (n.hasRole(Role.ETCD)) {
        etcdStep("etcd/" + n.name(), "etcd member", n, () -> etcd.grow(etcdRequest.about(n), children()));
      }
    }
    phase = PhaseKind.WORKERS.name();
    List<NodeSpec> workers = in.phaseNodes(PhaseKind.WORKERS).stream()
        .filter(n -> !excluded.contains(n.name())).toList();
    Parallel.forEach(workers, options.maxParallel(), n -> join(in, n));
    phase = PhaseKind.ROUTING.name();
    routing(in.routing(leftOut()));
    phase = PhaseKind.VERIFICATION.name();
    ExecutionPolicy policy = options.policy();
    VerifyActivities verify = Workflow.newActivityStub(VerifyActivities.class, ActivityKinds.kube(policy));
    steps.run("verify/nodes-ready", "every node Ready", null, false,
        () -> verify.nodesReady(in.nodesReady(leftOut())));
    if (etcd.verifies()) {
      etcdStep("verify/etcd", "etcd voters as planned; API servers on every endpoint", null,
          () -> etcd.verify(in.etcd(leftOut())));
    }
  }

  /** reach then pre-checks on every new node, in parallel; returns the nodes that failed. */
  private List<String> prechecks(ExpansionInputs in) {
    HostActivities host = Workflow.newActivityStub(HostActivities.class, ActivityKinds.ssh(request.options().policy()));
    List<String> failed = new ArrayList<>();
    Parallel.forEach(in.newNodes(), PRECHECK_PARALLELISM, n -> {
      try {
        steps.attempt("reach/" + n.name(), "reach over SSH", n.name(),
            () -> host.reach(new HostRequest(request.cluster().name(), n)));
        steps.attempt("precheck/" + n.name(), "pre-checks", n.name(), () -> host.precheck(in.precheck(n)));
      } catch (ActivityFailure e) {
        failed.add(n.name());
      }
    });
    // Sorted in plan order, not in the order the failures arrived.
    List<String> order = in.newNodes().stream().map(NodeSpec::name).toList();
    failed.sort((a, b) -> order.indexOf(a) - order.indexOf(b));
    return failed;
  }

  /** One node's join as a child; a child that ends aborted parks the step for an operator. */
  private void join(ExpansionInputs in, NodeSpec n) {
    String stepId = "node/" + n.name();
    String childId = NodeJoinRequest.workflowId(in.operationId(), n.name());
    wrappers.add(stepId);
    children.put(stepId, childId);
    NodeJoinRequest joinRequest = in.join(n);
    ChildStepResult done = steps.run(stepId, joinName(n), n.name(), !n.hasRole(Role.CONTROL_PLANE), () -> {
      NodeJoinWorkflow child = Workflow.newChildWorkflowStub(NodeJoinWorkflow.class, childOptions(childId));
      NodeJoinResult result = child(childId, child, () -> Async.function(child::join, joinRequest));
      childSteps.put(childId, result.steps());
      ended(childId, result.outcome(), "the join of " + n.name());
      return ChildStepResult.of("joined", result.steps());
    });
    if (done == null && !n.hasRole(Role.CONTROL_PLANE) && steps.view().stream()
        .anyMatch(s -> s.id().equals(stepId) && s.state() == dev.graft.workflows.step.StepState.SKIPPED)) {
      skipped.add(n.name());
    }
  }

  private void routing(RoutingRequest routingRequest) {
    String childId = RoutingRequest.workflowId(request.operationId());
    wrappers.add("routing");
    children.put("routing", childId);
    // A large cluster's routing runs its node steps in batch children: operators act on those.
    children.putAll(routingRequest.batchChildren());
    steps.run("routing", "pod routes on every node", null, false, () -> {
      RoutingWorkflow child = Workflow.newChildWorkflowStub(RoutingWorkflow.class, childOptions(childId));
      RoutingResult result = child(childId, child, () -> Async.function(child::route, routingRequest));
      childSteps.put(childId, result.steps());
      ended(childId, result.outcome(), "routing");
      long reachable = result.matrix().stream().filter(dev.graft.workflows.routing.PairResult::reachable).count();
      String verified = result.note() != null ? result.note()
          : reachable + "/" + result.matrix().size() + " pod-to-pod pairs reachable";
      return ChildStepResult.of("routing " + result.mode() + " (" + verified + ")", result.steps());
    });
  }

  private void etcdStep(String id, String name, NodeSpec n, Supplier<EtcdStageResult> call) {
    steps.run(id, name, n == null ? null : n.name(), false, () -> {
      EtcdStageResult result = call.get();
      if (result.childWorkflowId() != null) {
        wrappers.add(id);
        children.put(id, result.childWorkflowId());
        // Keyed by step: every member's growth runs under the cluster's one membership id.
        childSteps.put(id, result.steps());
      }
      return result;
    });
  }

  /** What the etcd stage starts its children through. */
  private EtcdStage.Children children() {
    return new EtcdStage.Children() {
      @Override
      public ChildWorkflowOptions options(String childId) {
        return childOptions(childId);
      }

      @Override
      public <R> R run(String childId, Object stub, Supplier<Promise<R>> start) {
        return child(childId, stub, start);
      }
    };
  }

  /** Starts a child, notes it running (so an abort cancels it), and waits for its result. */
  private <R> R child(String childId, Object stub, Supplier<Promise<R>> start) {
    return kids.run(childId, stub, start);
  }

  /** Fails the step that stands for a child which did not complete (retry starts it again). */
  static void ended(String childId, OperationOutcome outcome, String what) {
    OperationChildren.ended(childId, outcome, what);
  }

  private static ChildWorkflowOptions childOptions(String id) {
    return OperationChildren.options(id);
  }

  private Set<String> leftOut() {
    Set<String> out = new LinkedHashSet<>(excluded);
    out.addAll(skipped);
    return out;
  }

  private static String joinName(NodeSpec n) {
    return n.hasRole(Role.CONTROL_PLANE) ? "join as control plane" : "join as worker";
  }

  private static List<NodeSpec> concat(List<NodeSpec> a, List<NodeSpec> b) {
    List<NodeSpec> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private OperationState state() {
    return OperationStatus.state(ended, steps, kids);
  }

  private OperationSummary summary() {
    return OperationStatus.summary(request, ended, steps, kids, phase, startedAt, endedAt);
  }

  @Override
  public ExpansionProgress progress() {
    return new ExpansionProgress(request == null ? null : request.operationId(), state(), phase,
        request == null ? null : request.plan(), java.util.Collections.unmodifiableMap(new LinkedHashMap<>(children)), List.copyOf(excluded), startedAt, endedAt);
  }

  @Override
  public void childAttention(ChildAttention attention) {
    kids.attention(attention);
    AttentionRelay.forward(attention);
  }
}
