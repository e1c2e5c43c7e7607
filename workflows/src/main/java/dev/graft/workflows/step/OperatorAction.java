package dev.graft.workflows.step;

/**
 * One operator decision, as recorded in the operation's state and history: who decided what on
 * which step, when, and why.
 */
public record OperatorAction(
    String stepId, Decision decision, String actor, long atMillis, String reason) {}
