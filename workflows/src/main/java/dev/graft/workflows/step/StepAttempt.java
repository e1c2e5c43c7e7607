package dev.graft.workflows.step;

/**
 * One attempt of a step, as Graft recorded it: when it ran, how it ended, and (for a failed one)
 * its error and the tail of its output. A step keeps every attempt, oldest first, so the root cause
 * in attempt 1 is still there when attempt 3 succeeds or parks.
 *
 * @param number 1 for the first attempt; counts across operator retries
 * @param outcome succeeded, already-satisfied, failed, worker-lost (no heartbeat within the
 *     heartbeat timeout: the worker died or lost Temporal) or timed-out
 * @param retriedBy who started the next attempt: "graft" (an automatic retry), an operator's name
 *     (a retry decision), or null when there was none
 */
public record StepAttempt(
    int number,
    Long startedAtMillis,
    Long endedAtMillis,
    String outcome,
    String error,
    String errorType,
    String outputTail,
    String retriedBy) {
  /**
   * An attempt that ended well ({@code outcome}: succeeded or already-satisfied): no error, no
   * output.
   */
  static StepAttempt succeeded(
      int number, Long startedAtMillis, Long endedAtMillis, String outcome) {
    return new StepAttempt(number, startedAtMillis, endedAtMillis, outcome, null, null, null, null);
  }

  StepAttempt retried(String by) {
    return new StepAttempt(
        number, startedAtMillis, endedAtMillis, outcome, error, errorType, outputTail, by);
  }
}
