package dev.graft.workflows.step;

import io.temporal.workflow.WorkflowThreadLocal;

/**
 * The step whose activity call is being made on this workflow thread: what the worker's interceptor
 * puts in the activity's headers, so the activity's log lines carry the step, node and attempt the
 * UI shows. A {@link WorkflowThreadLocal} (per workflow thread, replay-safe), set by {@link Steps}
 * around each call only.
 */
public record StepContext(String stepId, String node, int attempt) {
  private static final WorkflowThreadLocal<StepContext> CURRENT =
      WorkflowThreadLocal.withCachedInitial(() -> null);

  /** The step being called on this workflow thread, or null outside a step's call. */
  public static StepContext current() {
    return CURRENT.get();
  }

  static void set(StepContext context) {
    CURRENT.set(context);
  }
}
