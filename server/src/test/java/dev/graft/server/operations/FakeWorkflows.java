package dev.graft.server.operations;

import dev.graft.workflows.cluster.ClusterState;
import dev.graft.workflows.cluster.ClusterWorkflow;
import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.ExpansionWorkflow;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.expand.OperationSummary;
import dev.graft.workflows.plan.NodeAddition;
import dev.graft.workflows.plan.NodeUpgrade;
import dev.graft.workflows.step.OperatedWorkflow;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepResult;
import dev.graft.workflows.step.Steps;
import dev.graft.workflows.step.StepsWorkflow;
import dev.graft.workflows.upgrade.UpgradeWorkflow;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Small stand-ins for the cluster and expansion workflows that honour their interfaces (ids,
 * queries, the decide update through the real {@link Steps} engine), so the REST API and CLI are
 * tested against Temporal without the real implementations. Each node is a child workflow with four
 * steps; a step fails as often as {@link #FAILURES} says for "node/step", then parks in
 * needs-attention until an operator decides.
 */
public final class FakeWorkflows {
  private FakeWorkflows() {}

  /** "node/step" → how many more times that step fails. */
  public static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();

  public static void failTimes(String node, String step, int times) {
    FAILURES.put(node + "/" + step, new AtomicInteger(times));
  }

  /** A step held until the test releases it: {@code entered} counts down when it starts. */
  public record Hold(
      java.util.concurrent.CountDownLatch entered, java.util.concurrent.CountDownLatch release) {}

  /** "node/step" → the hold that step waits on before it runs (or fails). */
  public static final Map<String, Hold> HOLDS = new ConcurrentHashMap<>();

  /** The next run of the step waits (at most 9 s, under its 10 s timeout) until released. */
  public static Hold hold(String node, String step) {
    Hold h =
        new Hold(
            new java.util.concurrent.CountDownLatch(1), new java.util.concurrent.CountDownLatch(1));
    HOLDS.put(node + "/" + step, h);
    return h;
  }

  public record StepInput(String node, String step) {}

  public record StepOutput(boolean alreadySatisfied, String summary, int attempt)
      implements StepResult {}

  @ActivityInterface(namePrefix = "Fake")
  public interface StepActivities {
    StepOutput run(StepInput in);
  }

  public static final class StepActivitiesImpl implements StepActivities {
    @Override
    public StepOutput run(StepInput in) {
      Hold hold = HOLDS.remove(in.node() + "/" + in.step());
      if (hold != null) {
        hold.entered().countDown();
        try {
          hold.release().await(9, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      AtomicInteger left = FAILURES.get(in.node() + "/" + in.step());
      if (left != null && left.getAndDecrement() > 0) {
        throw ApplicationFailure.newNonRetryableFailure(
            in.step() + " failed on " + in.node() + " (injected)", "FakeStepFailed");
      }
      try {
        Thread.sleep(30); // long enough for a watcher to see steps run
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new StepOutput(false, in.step() + " done on " + in.node(), 1);
    }
  }

  static StepActivities activities() {
    return Workflow.newActivityStub(
        StepActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(10))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  @WorkflowInterface
  public interface FakeNodeWorkflow extends OperatedWorkflow {
    @WorkflowMethod
    String join(String node);
  }

  public static final class FakeNodeWorkflowImpl extends StepsWorkflow implements FakeNodeWorkflow {
    static final List<String> STEPS = List.of("reach", "prechecks", "join", "ready");

    @Override
    public String join(String node) {
      StepActivities acts = activities();
      for (String s : STEPS) {
        steps.declare(s, s, node, "prechecks".equals(s));
      }
      return steps
          .operation(
              () -> {
                for (String s : STEPS) {
                  steps.run(
                      s, s, node, "prechecks".equals(s), () -> acts.run(new StepInput(node, s)));
                }
              })
          .wire();
    }
  }

  public static final class FakeExpansionWorkflowImpl extends StepsWorkflow
      implements ExpansionWorkflow {
    private final Map<String, String> children = new LinkedHashMap<>();
    private OperationRequest request;
    private OperationState state = OperationState.RUNNING;
    private String phase;
    private Long started;
    private Long ended;

    @Override
    public ExpansionResult expand(OperationRequest r) {
      request = r;
      started = Workflow.currentTimeMillis();
      String id = Workflow.getInfo().getWorkflowId();
      StepActivities acts = activities();
      for (NodeAddition a : r.plan().additions()) {
        children.put("node/" + a.name(), id + "/node/" + a.name());
      }
      List<Promise<String>> joins = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      CancellationScope scope =
          Workflow.newCancellationScope(
              () -> {
                for (NodeAddition a : r.plan().additions()) {
                  FakeNodeWorkflow child =
                      Workflow.newChildWorkflowStub(
                          FakeNodeWorkflow.class,
                          ChildWorkflowOptions.newBuilder()
                              .setWorkflowId(children.get("node/" + a.name()))
                              .build());
                  joins.add(Async.function(child::join, a.name()));
                }
              });
      OperationOutcome outcome =
          steps.operation(
              () -> {
                if (r.options().requireApproval()) {
                  phase = "approval";
                  steps.gate("approve", "approval before the cluster changes");
                }
                phase = "nodes";
                scope.run();
                Workflow.await(
                    () -> steps.abortRequested() || joins.stream().allMatch(Promise::isCompleted));
                if (steps.abortRequested()) {
                  scope.cancel();
                }
                for (int i = 0; i < joins.size() && !steps.abortRequested(); i++) {
                  if (!"completed".equals(joins.get(i).get())) {
                    failed.add(r.plan().additions().get(i).name());
                  }
                }
                phase = "summary";
                // A step of the operation's own; an abort requested meanwhile stops here.
                steps.run(
                    "summary",
                    "summary",
                    null,
                    false,
                    () -> acts.run(new StepInput("-", "summary")));
              });
      ended = Workflow.currentTimeMillis();
      phase = null;
      OperationOutcome result =
          outcome == OperationOutcome.COMPLETED && !failed.isEmpty()
              ? OperationOutcome.FAILED
              : outcome;
      state =
          switch (result) {
            case COMPLETED -> OperationState.DONE;
            case ABORTED -> OperationState.ABORTED;
            case FAILED -> OperationState.FAILED;
          };
      String message =
          result == OperationOutcome.COMPLETED
              ? r.plan().additions().size() + " nodes added"
              : result == OperationOutcome.ABORTED ? "aborted" : "nodes failed: " + failed;
      return new ExpansionResult(
          id,
          result,
          message,
          new ExpansionResult.StepCounts(0, 0, 0, 0),
          List.of(),
          ended - started);
    }

    @Override
    public void childAttention(dev.graft.workflows.step.ChildAttention attention) {
      // The REST layer reads needs-attention from the children's own steps; nothing to record.
    }

    @Override
    public ExpansionProgress progress() {
      OperationState s = state;
      if (!s.terminal()) {
        s =
            steps.waitingForApproval()
                ? OperationState.WAITING_APPROVAL
                : steps.needsAttention() ? OperationState.NEEDS_ATTENTION : OperationState.RUNNING;
      }
      return new ExpansionProgress(
          Workflow.getInfo().getWorkflowId(),
          s,
          phase,
          request == null ? null : request.plan(),
          Map.copyOf(children),
          List.of(),
          started,
          ended);
    }
  }

  public static final class FakeClusterWorkflowImpl implements ClusterWorkflow {
    private final List<OperationRequest> queue = new ArrayList<>();
    private final Map<String, OperationSummary> ops = new LinkedHashMap<>();

    @Override
    public void run(ClusterState carried) {
      while (Workflow.await(Duration.ofHours(1), () -> !queue.isEmpty())) {
        OperationRequest r = queue.remove(0);
        String id = r.operationId();
        OperationSummary q = ops.get(id);
        ops.put(id, with(q, OperationState.RUNNING, Workflow.currentTimeMillis(), null, "running"));
        ChildWorkflowOptions options = ChildWorkflowOptions.newBuilder().setWorkflowId(id).build();
        try {
          ExpansionResult res =
              "upgrade".equals(r.kind())
                  ? Workflow.newChildWorkflowStub(UpgradeWorkflow.class, options).upgrade(r)
                  : Workflow.newChildWorkflowStub(ExpansionWorkflow.class, options).expand(r);
          OperationState end =
              res.outcome() == OperationOutcome.COMPLETED
                  ? OperationState.DONE
                  : res.outcome() == OperationOutcome.ABORTED
                      ? OperationState.ABORTED
                      : OperationState.FAILED;
          ops.put(id, with(ops.get(id), end, null, Workflow.currentTimeMillis(), res.message()));
        } catch (ChildWorkflowFailure f) {
          ops.put(
              id,
              with(
                  ops.get(id),
                  OperationState.FAILED,
                  null,
                  Workflow.currentTimeMillis(),
                  String.valueOf(
                      f.getCause() == null ? f.getMessage() : f.getCause().getMessage())));
        }
      }
    }

    private static OperationSummary with(
        OperationSummary s, OperationState state, Long started, Long ended, String message) {
      return new OperationSummary(
          s.id(),
          s.kind(),
          s.cluster(),
          state,
          s.requestedBy(),
          s.submittedAtMillis(),
          started != null ? started : s.startedAtMillis(),
          ended,
          message);
    }

    @Override
    public void submit(OperationRequest r) {
      String id = r.operationId();
      if (ops.containsKey(id)) {
        return; // the same requestId is the same operation
      }
      ops.put(
          id,
          new OperationSummary(
              id,
              r.kind(),
              r.cluster().name(),
              OperationState.QUEUED,
              r.requestedBy(),
              Workflow.currentTimeMillis(),
              null,
              null,
              "queued"));
      queue.add(r);
    }

    @Override
    public void operationProgress(OperationSummary progress) {
      // The fake expansion does not report progress to its cluster.
    }

    @Override
    public List<OperationSummary> operations() {
      return List.copyOf(ops.values());
    }
  }

  @WorkflowInterface
  public interface FakeNodeUpgradeWorkflow extends OperatedWorkflow {
    @WorkflowMethod
    String upgrade(NodeUpgrade node);
  }

  /**
   * A node's upgrade with the real one's step ids; a node the plan found at the target finds every
   * step already done, as the real one reports it.
   */
  public static final class FakeNodeUpgradeWorkflowImpl extends StepsWorkflow
      implements FakeNodeUpgradeWorkflow {
    static final List<String> STEPS =
        List.of("check", "kubeadm-package", "kubeadm-upgrade", "drain", "kubelet-package", "ready");

    @Override
    public String upgrade(NodeUpgrade n) {
      StepActivities acts = activities();
      String node = n.node().name();
      for (String s : STEPS) {
        steps.declare(s, s, node, false);
      }
      return steps
          .operation(
              () -> {
                for (String s : STEPS) {
                  steps.run(
                      s,
                      s,
                      node,
                      false,
                      () ->
                          n.atTarget()
                              ? new StepOutput(true, node + " already at the target", 1)
                              : acts.run(new StepInput(node, s)));
                }
              })
          .wire();
    }
  }

  /**
   * The upgrade's stand-in, registered under the real type name ("UpgradeWorkflow"): an optional
   * approval, then every node in the plan's order as a child "node/<name>", one at a time; its
   * result names each node's outcome ("upgraded", "already-upgraded", "failed").
   */
  public static final class FakeUpgradeWorkflowImpl extends StepsWorkflow
      implements UpgradeWorkflow {
    private final Map<String, String> children = new LinkedHashMap<>();
    private OperationRequest request;
    private OperationState state = OperationState.RUNNING;
    private String phase;
    private Long started;
    private Long ended;

    @Override
    public ExpansionResult upgrade(OperationRequest r) {
      request = r;
      started = Workflow.currentTimeMillis();
      String id = Workflow.getInfo().getWorkflowId();
      List<NodeUpgrade> order = r.upgrade().nodes();
      for (NodeUpgrade n : order) {
        children.put("node/" + n.node().name(), id + "/node/" + n.node().name());
      }
      List<ExpansionResult.NodeSummary> nodes = new ArrayList<>();
      OperationOutcome outcome =
          steps.operation(
              () -> {
                if (r.options().requireApproval()) {
                  phase = "approval";
                  steps.gate("approve", "approval before the cluster changes");
                }
                phase = "nodes";
                for (NodeUpgrade n : order) {
                  FakeNodeUpgradeWorkflow child =
                      Workflow.newChildWorkflowStub(
                          FakeNodeUpgradeWorkflow.class,
                          ChildWorkflowOptions.newBuilder()
                              .setWorkflowId(children.get("node/" + n.node().name()))
                              .build());
                  String end = child.upgrade(n);
                  nodes.add(
                      new ExpansionResult.NodeSummary(
                          n.node().name(),
                          !"completed".equals(end)
                              ? "failed"
                              : n.atTarget() ? "already-upgraded" : "upgraded",
                          new ExpansionResult.StepCounts(
                              n.atTarget() ? 0 : 6, n.atTarget() ? 6 : 0, 0, 0),
                          0,
                          0));
                }
              });
      ended = Workflow.currentTimeMillis();
      phase = null;
      state =
          outcome == OperationOutcome.COMPLETED
              ? OperationState.DONE
              : outcome == OperationOutcome.ABORTED
                  ? OperationState.ABORTED
                  : OperationState.FAILED;
      int done = (int) nodes.stream().filter(n -> n.outcome().equals("upgraded")).count();
      int already =
          (int) nodes.stream().filter(n -> n.outcome().equals("already-upgraded")).count();
      return new ExpansionResult(
          id,
          outcome,
          "upgraded to " + r.upgrade().to(),
          new ExpansionResult.StepCounts(done * 6, already * 6, 0, 0),
          nodes,
          ended - started);
    }

    @Override
    public void childAttention(dev.graft.workflows.step.ChildAttention attention) {
      // The REST layer reads needs-attention from the children's own steps.
    }

    @Override
    public ExpansionProgress progress() {
      OperationState s = state;
      if (!s.terminal()) {
        s =
            steps.waitingForApproval()
                ? OperationState.WAITING_APPROVAL
                : steps.needsAttention() ? OperationState.NEEDS_ATTENTION : OperationState.RUNNING;
      }
      return new ExpansionProgress(
          Workflow.getInfo().getWorkflowId(),
          s,
          phase,
          null,
          Map.copyOf(children),
          List.of(),
          started,
          ended,
          request == null ? null : request.upgrade());
    }
  }
}
