package dev.graft.workflows.join;

import dev.graft.workflows.step.ChildResult;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepView;
import java.util.List;

/** How one node's join ended, with every step (the summary counts come from these). */
public record NodeJoinResult(String node, OperationOutcome outcome, List<StepView> steps)
    implements ChildResult {}
