package dev.graft.workflows.step;

import dev.graft.workflows.FailureTypes;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Child workflows run as steps of an operation's {@link Steps} (a node's join, upgrade or removal,
 * routing and its batches, an etcd growth, a replacement's expansion), supervised in one place:
 *
 * <ul>
 *   <li>their options: cancelled with the operation, and an id an operator's retry may start again;
 *   <li>an operator's abort cancels every running child, so each runs its own compensations;
 *   <li>a child that ends aborted or failed fails its step (which parks for a decision; retry
 *       starts the child again), one that was cancelled too;
 *   <li>the bookkeeping the operation's queries and summary read: which step stands for which
 *       child, each child's last steps, and which of the children's steps wait for an operator
 *       (from their {@code childAttention} signals).
 * </ul>
 *
 * <p>Workflow-side and deterministic; all state lives here, so queries read it and replay rebuilds
 * it.
 */
public final class ChildSteps {
  private static final Logger LOG = Workflow.getLogger(ChildSteps.class);

  private final Steps steps;
  private final Set<String> running = new LinkedHashSet<>();
  private final Set<String> cancelled = new LinkedHashSet<>();
  private final Set<String> finished = new LinkedHashSet<>();
  private final Map<String, List<String>> waiting = new LinkedHashMap<>();
  private final Map<String, String> children = new LinkedHashMap<>();
  private final Set<String> wrappers = new LinkedHashSet<>();
  private final Map<String, List<StepView>> childSteps = new LinkedHashMap<>();

  /** Set by {@link #cancelInScopes()}: the running children's scopes, which an abort cancels. */
  private Map<String, CancellationScope> scopes;

  public ChildSteps(Steps steps) {
    this.steps = steps;
  }

  /**
   * A child as a step: its id, what it is in messages ("the join of n1"), its type and how it
   * starts.
   */
  public record Child<W, R extends ChildResult>(
      String id, String what, Class<W> type, Function<W, Promise<R>> start) {}

  public static <W, R extends ChildResult> Child<W, R> child(
      String id, String what, Class<W> type, Function<W, Promise<R>> start) {
    return new Child<>(id, what, type, start);
  }

  /** Starts, in the background, what cancels every running child once an operator aborts. */
  public void cancelOnAbort() {
    Async.procedure(
        () -> {
          Workflow.await(steps::abortRequested);
          for (String id : List.copyOf(running)) {
            cancel(id);
          }
        });
  }

  /**
   * Cancels a running child through the cancellation scope it was started in, not through an
   * external cancel: how routing cancelled its batches before it used this class, kept for the
   * executions that started then (their histories hold that command).
   */
  public void cancelInScopes() {
    scopes = new LinkedHashMap<>();
  }

  /**
   * Children are cancelled (they compensate) if the operation is closed under them, and a child
   * that ended may run again under its id when an operator retries its step.
   */
  public static ChildWorkflowOptions options(String id) {
    return ChildWorkflowOptions.newBuilder()
        .setWorkflowId(id)
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .build();
  }

  /**
   * Runs {@code child} as the step {@code stepId} (see {@link Steps#run}): notes that the step
   * stands for the child, keeps the child's steps, fails the step when the child did not complete,
   * and otherwise returns what {@code done} makes of its result (null when an operator skipped it).
   */
  public <W, R extends ChildResult, S extends StepResult> S step(
      String stepId,
      String name,
      String node,
      boolean skippable,
      Child<W, R> child,
      Function<R, S> done) {
    wrappers.add(stepId);
    children.put(stepId, child.id());
    return steps.run(
        stepId,
        name,
        node,
        skippable,
        () -> {
          R result = run(child.id(), child.type(), child.start());
          childSteps.put(stepId, result.steps());
          ended(child.id(), result.outcome(), child.what());
          return done.apply(result);
        });
  }

  /**
   * Starts a child (inside a step the caller runs), notes it running so that an abort cancels it,
   * and waits for its result; a cancelled child fails the step.
   */
  public <W, R> R run(String childId, Class<W> type, Function<W, Promise<R>> start) {
    W stub = Workflow.newChildWorkflowStub(type, options(childId));
    finished.remove(childId);
    cancelled.remove(childId);
    Promise<R> result;
    if (scopes != null) {
      List<Promise<R>> started = new ArrayList<>(1);
      CancellationScope scope = Workflow.newCancellationScope(() -> started.add(start.apply(stub)));
      scope.run();
      scopes.put(childId, scope);
      result = started.get(0);
    } else {
      result = start.apply(stub);
    }
    Workflow.getWorkflowExecution(stub).get();
    running.add(childId);
    try {
      if (steps.abortRequested()) {
        cancel(childId);
      }
      return result.get();
    } catch (ChildWorkflowFailure f) {
      // (In a scope, the cancellation reaches the step as it always did: the operation is aborted.)
      if (f.getCause() instanceof CanceledFailure && scopes == null) {
        // The child was cancelled (by this operation's abort, or from the UI) and ran its own
        // compensations. Only this step is affected: it parks, and retry starts the child again.
        throw ApplicationFailure.newNonRetryableFailure(
            childId + " was cancelled; its compensations ran", FailureTypes.CHILD_CANCELLED);
      }
      throw f;
    } finally {
      running.remove(childId);
      finished.add(childId);
      waiting.remove(childId);
      if (scopes != null) {
        scopes.remove(childId);
      }
    }
  }

  /** Fails the step that stands for a child which did not complete (retry starts it again). */
  public static void ended(String childId, OperationOutcome outcome, String what) {
    if (outcome != OperationOutcome.COMPLETED) {
      throw ApplicationFailure.newNonRetryableFailure(
          what + " ended " + outcome.wire() + " (" + childId + "); retry starts it again",
          outcome == OperationOutcome.ABORTED
              ? FailureTypes.CHILD_ABORTED
              : FailureTypes.CHILD_FAILED);
    }
  }

  /**
   * Notes a child that a step run by the caller started ({@link #run}): the step stands for it, and
   * {@code childSteps} are its steps.
   */
  public void ran(String stepId, String childId, List<StepView> childSteps) {
    wrappers.add(stepId);
    children.put(stepId, childId);
    this.childSteps.put(stepId, childSteps);
  }

  /** Lists a child the operation will start through another (a batch of its routing child). */
  public void expect(String key, String childId) {
    children.put(key, childId);
  }

  private void cancel(String childId) {
    if (!cancelled.add(childId)) {
      return;
    }
    if (scopes != null) {
      CancellationScope scope = scopes.get(childId);
      if (scope != null) {
        scope.cancel();
      }
      return;
    }
    try {
      Workflow.newUntypedExternalWorkflowStub(childId).cancel();
    } catch (RuntimeException gone) {
      LOG.warn("could not cancel {} (already closed?): {}", childId, gone.getMessage());
    }
  }

  /** A child's signal: the steps it has waiting for an operator now (none: it stopped waiting). */
  public void attention(ChildAttention attention) {
    // A late signal from a child that has already ended must not leave a stale needs-attention.
    if (!finished.contains(attention.childId())) {
      waiting.put(attention.childId(), attention.waiting());
    }
  }

  public boolean anyWaiting() {
    return waiting.values().stream().anyMatch(w -> !w.isEmpty());
  }

  /** "child: step needs attention" for every step a child has waiting. */
  public List<String> waitingLines() {
    List<String> out = new ArrayList<>();
    waiting.forEach(
        (child, ids) -> ids.forEach(id -> out.add(child + ": " + id + " needs attention")));
    return out;
  }

  /**
   * Child workflow ids by the step (or batch) that stands for each, in the order they were noted.
   */
  public Map<String, String> children() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(children));
  }

  /** Ids of the steps that stand for a child (the summary counts the child's steps instead). */
  public Set<String> wrappers() {
    return Collections.unmodifiableSet(wrappers);
  }

  /** Each child's steps as it last ended, by the step that stands for it. */
  public Map<String, List<StepView>> childSteps() {
    return Collections.unmodifiableMap(childSteps);
  }
}
