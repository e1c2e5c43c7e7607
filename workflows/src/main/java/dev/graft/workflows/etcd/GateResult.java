package dev.graft.workflows.etcd;

import dev.graft.workflows.step.StepResult;
import java.util.List;

/**
 * A gate that passed. {@code alreadySatisfied} means the member is already a healthy voter. {@code
 * initialCluster} lists the started members as {@code name=peerURL}, what a new member's {@code
 * --initial-cluster} starts from.
 */
public record GateResult(
    boolean alreadySatisfied,
    String summary,
    String outputTail,
    int attempt,
    List<String> warnings,
    List<String> initialCluster)
    implements StepResult {}
