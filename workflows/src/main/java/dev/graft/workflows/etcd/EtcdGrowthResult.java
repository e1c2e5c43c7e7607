package dev.graft.workflows.etcd;

import dev.graft.workflows.step.ChildResult;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepView;
import java.util.List;

/**
 * How a growth ended: the members it added (or found already added), the one it rolled back, a
 * message for people, and every step.
 */
public record EtcdGrowthResult(
    String cluster,
    OperationOutcome outcome,
    List<String> added,
    List<String> rolledBack,
    String message,
    List<StepView> steps)
    implements ChildResult {}
