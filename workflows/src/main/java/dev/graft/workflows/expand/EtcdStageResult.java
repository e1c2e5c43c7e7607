package dev.graft.workflows.expand;

import dev.graft.workflows.step.StepResult;
import dev.graft.workflows.step.StepView;
import java.util.List;

/**
 * What one {@link EtcdStage} call did.
 *
 * @param childWorkflowId the child workflow that did it (operators act on it there), or null
 * @param steps that child's steps, counted in the expansion's summary (empty without a child)
 */
public record EtcdStageResult(
    boolean alreadySatisfied,
    String summary,
    String childWorkflowId,
    List<StepView> steps,
    int attempt)
    implements StepResult {
  public EtcdStageResult {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }
}
