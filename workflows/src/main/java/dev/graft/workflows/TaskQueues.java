package dev.graft.workflows;

/** Names of the Temporal task queues Graft's workers poll. */
public final class TaskQueues {
  /** The default task queue: workflows and activities of every kind. */
  public static final String DEFAULT = "graft";

  private TaskQueues() {}
}
