package dev.graft.workflows.routing;

import dev.graft.workflows.step.ChildResult;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepView;
import java.util.List;

/**
 * How a batch ended: its steps, and for a verify batch the matrix cells it kept (the unreachable
 * ones, for a large cluster) and how many it verified.
 */
public record RoutingBatchResult(
    OperationOutcome outcome, List<StepView> steps, List<PairResult> matrix, int cells)
    implements ChildResult {
  public RoutingBatchResult {
    steps = steps == null ? List.of() : List.copyOf(steps);
    matrix = matrix == null ? List.of() : List.copyOf(matrix);
  }
}
