package dev.graft.workflows.expand;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where an operation is, as the list, the CLI and the UI show it. */
public enum OperationState {
  /** Accepted by the cluster workflow; waits for the operation before it to end. */
  QUEUED("queued"),
  RUNNING("running"),
  /**
   * A step (of the operation or of one of its nodes) exhausted its retries: an operator decides.
   */
  NEEDS_ATTENTION("needs-attention"),
  /** Parked at an approval gate until an operator approves. */
  WAITING_APPROVAL("waiting-approval"),
  DONE("done"),
  FAILED("failed"),
  ABORTED("aborted");

  private final String wire;

  OperationState(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  public boolean terminal() {
    return this == DONE || this == FAILED || this == ABORTED;
  }
}
