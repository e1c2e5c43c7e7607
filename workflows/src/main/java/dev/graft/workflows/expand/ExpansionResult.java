package dev.graft.workflows.expand;

import dev.graft.workflows.step.ChildResult;
import dev.graft.workflows.step.OperationOutcome;
import java.util.List;

/**
 * How an expansion ended, with a summary in the manner of MetalK8s's: step counts for the whole run
 * and per node, and the time taken.
 */
public record ExpansionResult(
    String id,
    OperationOutcome outcome,
    String message,
    StepCounts total,
    List<NodeSummary> nodes,
    long durationMillis)
    implements ChildResult {

  /** Steps by how they ended. */
  public record StepCounts(int succeeded, int alreadySatisfied, int failed, int skipped) {}

  /**
   * One node's part: its outcome, its step counts, the time its steps ran (their durations added)
   * and the time from its first step's start to its last one's end.
   */
  public record NodeSummary(
      String node, String outcome, StepCounts steps, long durationMillis, long workMillis) {}
}
