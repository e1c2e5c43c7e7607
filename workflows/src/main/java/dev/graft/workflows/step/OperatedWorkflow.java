package dev.graft.workflows.step;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import java.util.List;

/**
 * The operator-facing surface every Graft workflow shares: a query for its steps and an update for
 * decisions. Workflow interfaces extend it; implementations delegate to their {@link Steps}.
 */
public interface OperatedWorkflow {
  /** Every step of this workflow, in the order they were declared or ran. */
  @QueryMethod
  List<StepView> steps();

  /** Applies an operator's decision (retry, skip, abort, approve); returns what was recorded. */
  @UpdateMethod
  OperatorAction decide(OperatorRequest request);

  /** Rejects decisions that do not apply, before they enter history. */
  @UpdateValidatorMethod(updateName = "decide")
  void validateDecide(OperatorRequest request);
}
