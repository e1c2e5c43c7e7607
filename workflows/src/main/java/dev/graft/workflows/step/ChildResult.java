package dev.graft.workflows.step;

import java.util.List;

/** How a child workflow that stands as a step of its operation ended (see {@link ChildSteps}). */
public interface ChildResult {
  OperationOutcome outcome();

  /**
   * The child's own steps, which the operation's summary counts in place of the step standing for
   * it.
   */
  default List<StepView> steps() {
    return List.of();
  }
}
