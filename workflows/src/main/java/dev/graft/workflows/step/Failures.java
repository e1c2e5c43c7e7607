package dev.graft.workflows.step;

import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;

/**
 * What a failure says to a person: one message, the same in steps, workflows, the server and the
 * CLI.
 */
public final class Failures {
  private Failures() {}

  /**
   * The message of the innermost cause: an {@link ApplicationFailure}'s own message (without the
   * type and stack Temporal adds), a {@link TimeoutFailure} named by its timeout (it has no message
   * of its own), else the cause's message, or its {@code toString()} when it has none. A cause that
   * names itself as its cause ends the walk.
   */
  public static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    if (c instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    if (c instanceof TimeoutFailure tf) {
      return "no answer in time ("
          + tf.getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase()
          + " timeout)";
    }
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }
}
