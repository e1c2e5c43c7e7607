package dev.graft.workflows.step;

/**
 * Attached by activities to the {@code ApplicationFailure}s they throw, so that a step that needs
 * attention shows what the command printed and what to do next.
 */
public record StepFailureDetails(String outputTail, String hint, int attempt) {}
