package dev.graft.workflows.join;

/**
 * One pre-check: its name, whether it passed, what it saw, and how to fix it when it did not.
 * {@code fixable} checks are fixed by the provision step (for example ip_forward).
 */
public record CheckResult(String name, boolean passed, boolean fixable, String saw, String fix) {}
