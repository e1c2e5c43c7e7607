package dev.graft.workflows.step;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a step is: work, an approval gate, or a compensation an abort ran. JSON carries the wire
 * names.
 */
public enum StepKind {
  /** Work: an activity call, or a child workflow standing as one step. */
  STEP("step"),
  /** An approval gate: waits for an operator's approve. */
  GATE("gate"),
  /** An undo an abort ran (in reverse order of registration). */
  COMPENSATION("compensation");

  private final String wire;

  StepKind(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }
}
