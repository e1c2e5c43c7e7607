package dev.graft.workflows.step;

import java.util.List;

/**
 * One step as the user watches it: what it is, on which node, where it stands, how many attempts it
 * took, when it ran, the tail of its output, its error, and the decisions operators took on it.
 *
 * @param kind a step, an approval gate or a compensation
 * @param attemptHistory every attempt Graft recorded, oldest first (the first and latest ones when
 *     there were more than twenty)
 */
public record StepView(
    String id,
    String name,
    String node,
    StepKind kind,
    StepState state,
    int attempts,
    Long startedAtMillis,
    Long endedAtMillis,
    String summary,
    String outputTail,
    String error,
    String errorType,
    boolean skippable,
    List<OperatorAction> actions,
    List<StepAttempt> attemptHistory) {
  public StepView {
    actions = actions == null ? List.of() : actions;
    attemptHistory = attemptHistory == null ? List.of() : attemptHistory;
  }
}
