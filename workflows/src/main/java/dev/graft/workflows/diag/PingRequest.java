package dev.graft.workflows.diag;

/** Input of the diagnostic round trip: a message that the activity echoes back. */
public record PingRequest(String message) {}
