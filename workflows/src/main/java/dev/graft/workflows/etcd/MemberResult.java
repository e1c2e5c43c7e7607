package dev.graft.workflows.etcd;

import dev.graft.workflows.step.StepResult;
import java.util.List;

/**
 * The member an add found or made. {@code initialCluster} is the {@code --initial-cluster} the new
 * member must start with: every member as {@code name=peerURL}, itself included.
 */
public record MemberResult(
    boolean alreadySatisfied,
    String summary,
    String memberId,
    List<String> initialCluster,
    String outputTail,
    int attempt)
    implements StepResult {}
