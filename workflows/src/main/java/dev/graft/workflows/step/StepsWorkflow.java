package dev.graft.workflows.step;

import java.util.List;

/**
 * The {@link OperatedWorkflow} surface of a workflow whose steps live in one {@link Steps} engine:
 * the steps query and the decision update (and its validator) delegate to it. Workflow
 * implementations extend this and use {@link #steps} for their own steps.
 */
public abstract class StepsWorkflow implements OperatedWorkflow {
  protected final Steps steps = new Steps();

  @Override
  public List<StepView> steps() {
    return steps.view();
  }

  @Override
  public OperatorAction decide(OperatorRequest request) {
    return steps.accept(request);
  }

  @Override
  public void validateDecide(OperatorRequest request) {
    steps.validate(request);
  }
}
