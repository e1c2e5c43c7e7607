package dev.graft.workflows.expand;

/**
 * One operation in a cluster's list: what the operations list and {@code graft status} show.
 *
 * @param id the operation's workflow id
 * @param message one line: the current phase, the step that needs attention, or how it ended
 */
public record OperationSummary(
    String id,
    String kind,
    String cluster,
    OperationState state,
    String requestedBy,
    Long submittedAtMillis,
    Long startedAtMillis,
    Long endedAtMillis,
    String message) {}
