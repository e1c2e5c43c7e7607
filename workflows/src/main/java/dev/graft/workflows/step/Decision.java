package dev.graft.workflows.step;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What an operator can answer to a step that needs attention, or to an approval gate. */
public enum Decision {
  /** Run the step again (a new round of its retries). */
  RETRY,
  /** Leave the step undone and go on; only for steps marked skippable. */
  SKIP,
  /** Stop the operation and run its registered compensations in reverse order. */
  ABORT,
  /** Open an approval gate. */
  APPROVE;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Decision parse(String value) {
    return Decision.valueOf(value.trim().toUpperCase(Locale.ROOT));
  }
}
