package dev.graft.workflows;

/**
 * The type of every {@code ApplicationFailure} Graft raises, in one place: workflows, activities
 * and the server name and test them by these constants. The strings are in recorded histories and
 * in what operators read: never change one.
 */
public final class FailureTypes {
  private FailureTypes() {}

  // A child workflow that stands as a step did not complete (ChildSteps).
  public static final String CHILD_ABORTED = "ChildAborted";
  public static final String CHILD_FAILED = "ChildFailed";
  public static final String CHILD_CANCELLED = "ChildCancelled";
}
