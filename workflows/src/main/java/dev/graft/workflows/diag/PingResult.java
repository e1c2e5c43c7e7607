package dev.graft.workflows.diag;

/**
 * What a diagnostic round trip saw: the echoed message, the identity of the worker that ran the
 * activity, and the workflow's own id, so an operator can find it in history.
 */
public record PingResult(String message, String workerIdentity, String workflowId) {}
