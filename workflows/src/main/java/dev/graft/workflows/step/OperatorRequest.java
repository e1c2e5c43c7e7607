package dev.graft.workflows.step;

/**
 * An operator's decision as sent to a workflow update. {@code stepId} may be empty for {@code
 * abort} (the whole operation) or {@code approve} (the gate that waits). The actor is the
 * authenticated user the server resolved, never a value the client chose.
 */
public record OperatorRequest(String stepId, Decision decision, String actor, String reason) {}
