package dev.graft.activities.common;

import io.temporal.activity.Activity;

/**
 * Which attempt of the running activity this is, as Temporal counts them (1 for the first). Every
 * outcome reports it, so that the UI and the audit trail show each attempt Graft made. Activities
 * import {@link #attempt()} statically: the call sits inside long outcome lines.
 */
public final class ActivityAttempts {
  private ActivityAttempts() {}

  /** The attempt of the activity running on this thread; only callable inside an activity. */
  public static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }
}
