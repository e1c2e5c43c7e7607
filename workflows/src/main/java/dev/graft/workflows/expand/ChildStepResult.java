package dev.graft.workflows.expand;

import dev.graft.workflows.step.StepResult;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import java.util.List;

/** A child workflow's end, as the result of the expansion's step that stands for it. */
public record ChildStepResult(boolean alreadySatisfied, String summary, int attempt)
    implements StepResult {
  /**
   * Done when every step of the child found its work done (a node that had already joined); steps
   * that only read (reach, pre-checks) cannot be already satisfied and are not looked at.
   */
  public static ChildStepResult of(String what, List<StepView> steps) {
    var counts = ExpansionSummary.count(steps);
    boolean nothingChanged =
        counts.alreadySatisfied() > 0
            && steps.stream()
                .filter(s -> s.state() == StepState.SUCCEEDED)
                .allMatch(s -> READ_ONLY.contains(s.id()));
    return new ChildStepResult(
        nothingChanged,
        what
            + ": "
            + counts.succeeded()
            + " succeeded, "
            + counts.alreadySatisfied()
            + " already satisfied, "
            + counts.skipped()
            + " skipped",
        1);
  }

  /** Steps that only read: a node join's reach and pre-checks, a node upgrade's version check. */
  private static final List<String> READ_ONLY = List.of("reach", "prechecks", "check");
}
