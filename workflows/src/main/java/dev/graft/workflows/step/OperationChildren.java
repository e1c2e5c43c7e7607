package dev.graft.workflows.step;

import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
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
 * The children of an operation (one per node, routing, etcd growth), run as steps of its
 * {@link Steps}: which run, which ended, which wait for an operator (from their {@code
 * childAttention} signals), and the abort that cancels every running child so that each runs its
 * own compensations. Expansions and upgrades use it alike (workflow-side, deterministic).
 */
public final class OperationChildren {
  private static final Logger LOG = Workflow.getLogger(OperationChildren.class);

  private final Steps steps;
  private final Set<String> running = new LinkedHashSet<>();
  private final Set<String> cancelled = new LinkedHashSet<>();
  private final Set<String> finished = new LinkedHashSet<>();
  private final Map<String, List<String>> waiting = new LinkedHashMap<>();

  public OperationChildren(Steps steps) {
    this.steps = steps;
  }

  /** Starts, in the background, what cancels every running child once an operator aborts. */
  public void cancelOnAbort() {
    Async.procedure(() -> {
      Workflow.await(steps::abortRequested);
      for (String id : List.copyOf(running)) {
        cancel(id);
      }
    });
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

  /** Starts a child, notes it running (so an abort cancels it), and waits for its result. */
  public <R> R run(String childId, Object stub, Supplier<Promise<R>> start) {
    finished.remove(childId);
    cancelled.remove(childId);
    Promise<R> result = start.get();
    Workflow.getWorkflowExecution(stub).get();
    running.add(childId);
    try {
      if (steps.abortRequested()) {
        cancel(childId);
      }
      return result.get();
    } catch (ChildWorkflowFailure f) {
      if (f.getCause() instanceof CanceledFailure) {
        // The child was cancelled (by this operation's abort, or from the UI) and ran its own
        // compensations. Only this step is affected: it parks, and retry starts the child again.
        throw ApplicationFailure.newNonRetryableFailure(
            childId + " was cancelled; its compensations ran", "ChildCancelled");
      }
      throw f;
    } finally {
      running.remove(childId);
      finished.add(childId);
      waiting.remove(childId);
    }
  }

  /** Fails the step that stands for a child which did not complete (retry starts it again). */
  public static void ended(String childId, OperationOutcome outcome, String what) {
    if (outcome != OperationOutcome.COMPLETED) {
      throw ApplicationFailure.newNonRetryableFailure(
          what + " ended " + outcome.wire() + " (" + childId + "); retry starts it again",
          outcome == OperationOutcome.ABORTED ? "ChildAborted" : "ChildFailed");
    }
  }

  private void cancel(String childId) {
    if (!cancelled.add(childId)) {
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
    waiting.forEach((child, ids) -> ids.forEach(id -> out.add(child + ": " + id + " needs attention")));
    return out;
  }
}
