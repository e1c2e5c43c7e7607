package dev.graft.workflows.step;

import com.fasterxml.jackson.annotation.JsonValue;

/** How an operation (or a node's part of it) ended. */
public enum OperationOutcome {
  COMPLETED("completed"),
  /** An operator aborted it; registered compensations ran in reverse order. */
  ABORTED("aborted"),
  FAILED("failed");

  private final String wire;

  OperationOutcome(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }
}
