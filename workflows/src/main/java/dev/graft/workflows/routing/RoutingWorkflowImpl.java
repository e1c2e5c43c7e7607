package dev.graft.workflows.routing;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Routes every node's pods to every other node's (see {@link RoutingWorkflow}).
 *
 * <p>A node's routes, and its probe's targets, name every other node, so one history holding every
 * node's steps grows as n² (52 MB at 500 nodes, past Temporal's limit). A cluster that fits {@link
 * RoutingRequest#entriesPerBatch()} runs its node steps here; a larger one runs them in {@link
 * RoutingBatchWorkflow} children, one slice of nodes after the other, each standing here as a
 * {@code batch/routes-<k>} or {@code batch/verify-<k>} step. The result lists the node steps either
 * way.
 */
public class RoutingWorkflowImpl extends StepsWorkflow implements RoutingWorkflow {
  /** Matrix cells a result carries in full; above it, only the unreachable ones. */
  static final int MATRIX_LIMIT = 2_500;

  /** The change that routes large clusters in batches: executions started before it run inline. */
  static final String BATCHES = "routing-batches";

  /**
   * The change that runs batches as {@link ChildSteps}: executions started before it cancel a
   * scope.
   */
  static final String BATCH_CHILD_STEPS = "routing-batch-child-steps";

  private static final String BATCH_STEP = "batch/";

  private final RouteSteps.Matrix matrix = new RouteSteps.Matrix();

  /** The batches: the steps of each that ran (its last run), by the step that stands for it. */
  private final ChildSteps batches = new ChildSteps(steps);

  private String mode;
  private String note;
  private List<NodePodCidr> podCidrs = List.of();

  @Override
  public RoutingResult route(RoutingRequest r) {
    ExecutionPolicy policy = steps.ownRetries(r.policy(), ActivityKinds::steps);
    PodNetworkApiActivities api =
        Workflow.newActivityStub(PodNetworkApiActivities.class, ActivityKinds.kube(policy));
    NodeRoutingActivities nodes =
        Workflow.newActivityStub(NodeRoutingActivities.class, ActivityKinds.ssh(policy));
    ClusterRequest cluster = new ClusterRequest(r.cluster(), r.kubeconfig());
    // Tells the parent operation when a step here parks for an operator, and when none does.
    AttentionReporter.start(steps);

    steps.declare("detect-cni", "detect a CNI that manages routes", null, false);
    steps.declare("allocate", "allocate pod CIDRs", null, false);

    boolean compact = compact(r);
    OperationOutcome outcome =
        steps.operation(
            () -> {
              CniDetection cni =
                  steps.run(
                      "detect-cni",
                      "detect a CNI that manages routes",
                      null,
                      false,
                      () -> api.detectCni(cluster));
              AllocationResult allocation =
                  steps.run(
                      "allocate",
                      "allocate pod CIDRs",
                      null,
                      false,
                      () ->
                          api.allocate(
                              new AllocationRequest(
                                  r.cluster(), r.kubeconfig(), r.podNetwork(), r.nodes())));
              podCidrs = allocation.nodes();
              if (cni != null && cni.found()) {
                mode = "cni:" + cni.cni();
                note = cni.summary();
                return;
              }
              mode = "routed";
              if (r.batched() && Workflow.getVersion(BATCHES, Workflow.DEFAULT_VERSION, 1) >= 1) {
                inBatches(r, compact);
                return;
              }
              RouteSteps.declareRoutes(steps, r.nodes());
              if (r.verify()) {
                RouteSteps.declareVerify(steps, r.nodes());
              }
              String clusterCidr = r.podNetwork().cidr();
              RouteSteps.program(
                  steps, nodes, r.cluster(), clusterCidr, r.nodes(), podCidrs, r.maxParallel());
              if (r.verify()) {
                RouteSteps.verify(
                    steps,
                    nodes,
                    r.cluster(),
                    clusterCidr,
                    r.nodes(),
                    podCidrs,
                    RouteSteps.targets(r.nodes(), r.verifyTargets(), podCidrs),
                    compact,
                    r.maxParallel(),
                    matrix);
              }
            });
    List<PairResult> sorted = new ArrayList<>(matrix.kept);
    sorted.sort(Comparator.comparing(PairResult::from).thenComparing(PairResult::to));
    if (compact && matrix.cells > 0) {
      // n×(n−1) cells outgrow Temporal's payload limit (2 MB) near 200 nodes: a large cluster's
      // rows and result keep the unreachable pairs only; each verify step says what it reached.
      note =
          (note == null ? "" : note + "; ")
              + (matrix.cells - sorted.size())
              + " of "
              + matrix.cells
              + " pairs reachable; the matrix lists the unreachable ones only (see each"
              + " verify step)";
    }
    return new RoutingResult(r.cluster(), outcome, mode, note, podCidrs, sorted, nodeSteps());
  }

  /**
   * The node steps in batches of {@link RoutingRequest#nodesPerBatch()} nodes, one child after the
   * other: every node's routes first, then every node's verification.
   */
  private void inBatches(RoutingRequest r, boolean compact) {
    List<List<NodeSpec>> slices = RoutePlan.slices(r.nodes(), r.nodesPerBatch());
    Map<String, String> ids = r.batchChildren();
    List<String> what =
        r.verify()
            ? List.of(RoutingRequest.ROUTES, RoutingRequest.VERIFY)
            : List.of(RoutingRequest.ROUTES);
    for (String w : what) {
      for (int k = 1; k <= slices.size(); k++) {
        steps.declare(
            stepId(w, k), batchName(w, slices.get(k - 1)), null, RoutingRequest.VERIFY.equals(w));
      }
    }
    // An abort decided here stops the batch that runs: it is cancelled and compensates, like
    // the expansion's joins are when the expansion is aborted. Executions started before the
    // batches ran as ChildSteps cancel the batch's scope, as they did then.
    if (Workflow.getVersion(BATCH_CHILD_STEPS, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      batches.cancelInScopes();
    }
    batches.cancelOnAbort();
    String reportTo = Workflow.getInfo().getParentWorkflowId().orElse(null);
    String clusterCidr = r.podNetwork().cidr();
    List<ProbeTarget> targets =
        r.verify() ? RouteSteps.targets(r.nodes(), r.verifyTargets(), podCidrs) : List.of();
    for (String w : what) {
      boolean verify = RoutingRequest.VERIFY.equals(w);
      for (int k = 1; k <= slices.size(); k++) {
        List<NodeSpec> slice = slices.get(k - 1);
        batch(
            stepId(w, k),
            batchName(w, slice),
            verify,
            ids.get("routing-" + w + "-" + k),
            new RoutingBatchRequest(
                r.cluster(),
                reportTo,
                w,
                slice,
                clusterCidr,
                verify ? RouteSteps.of(slice, podCidrs) : podCidrs,
                targets,
                compact,
                r.maxParallel(),
                r.policy()));
      }
    }
  }

  /** One batch as a step: a batch that ends aborted parks it, and retry runs the batch again. */
  private void batch(
      String stepId, String name, boolean skippable, String childId, RoutingBatchRequest request) {
    batches.step(
        stepId,
        name,
        null,
        skippable,
        ChildSteps.child(
            childId,
            "the batch " + stepId.substring(BATCH_STEP.length()),
            RoutingBatchWorkflow.class,
            c -> Async.function(c::run, request)),
        result -> {
          matrix.add(result.matrix(), result.cells());
          long done = result.steps().stream().filter(s -> s.state().isDone()).count();
          long already =
              result.steps().stream().filter(s -> s.state() == StepState.ALREADY_SATISFIED).count();
          String summary =
              done
                  + " of "
                  + result.steps().size()
                  + " node steps done, "
                  + already
                  + " already satisfied ("
                  + childId
                  + ")";
          return already == result.steps().size()
              ? StepOutcome.alreadyDone(summary, "", 1)
              : StepOutcome.did(summary, "", 1);
        });
  }

  /**
   * Every step, with the node steps of each batch that ended in place of the step that stands for
   * it (a batch that never ran, or was cancelled, keeps its own step).
   */
  private List<StepView> nodeSteps() {
    List<StepView> out = new ArrayList<>();
    Map<String, List<StepView>> batchSteps = batches.childSteps();
    for (StepView s : steps.view()) {
      if (batchSteps.containsKey(s.id())) {
        out.addAll(batchSteps.get(s.id()));
      } else {
        out.add(s);
      }
    }
    return out;
  }

  private static String stepId(String what, int k) {
    return BATCH_STEP + what + "-" + k;
  }

  private static String batchName(String what, List<NodeSpec> slice) {
    String nodes =
        slice.size()
            + " nodes ("
            + slice.get(0).name()
            + (slice.size() > 1 ? " … " + slice.get(slice.size() - 1).name() : "")
            + ")";
    return (RoutingRequest.VERIFY.equals(what)
            ? "verify pod-to-pod from "
            : "program pod routes on ")
        + nodes;
  }

  /** Above MATRIX_LIMIT cells, rows and the result list only the unreachable pairs. */
  private static boolean compact(RoutingRequest r) {
    long n = r.nodes().size();
    return n * (n - 1) > MATRIX_LIMIT;
  }
}
