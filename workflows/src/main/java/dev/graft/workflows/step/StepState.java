package dev.graft.workflows.step;

import com.fasterxml.jackson.annotation.JsonValue;

/** The states every step of every operation goes through; the CLI and the UI draw these. */
public enum StepState {
  PENDING("pending"),
  RUNNING("running"),
  SUCCEEDED("succeeded"),
  /** The step found its work already done and changed nothing. */
  ALREADY_SATISFIED("already-satisfied"),
  FAILED("failed"),
  /** Retries are exhausted: the operation waits for an operator's retry, skip or abort. */
  NEEDS_ATTENTION("needs-attention"),
  SKIPPED("skipped");

  private final String wire;

  StepState(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  public boolean isDone() {
    return this == SUCCEEDED || this == ALREADY_SATISFIED || this == SKIPPED;
  }
}
