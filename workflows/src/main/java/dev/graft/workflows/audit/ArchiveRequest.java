package dev.graft.workflows.audit;

/**
 * The operation whose audit trail to archive: its workflow id, {@code
 * cluster/<c>/<kind>/<requestId>}.
 */
public record ArchiveRequest(String operationId) {}
