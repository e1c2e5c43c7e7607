package dev.graft.workflows.step;

import java.time.Duration;

/**
 * Settings a running operation needs, carried in its input so that editing the server's config
 * never changes an execution in flight.
 *
 * @param stepMaxAttempts Temporal attempts of one step before it parks in needs-attention
 * @param readyTimeout how long the ready step waits for the Node to be Ready (default 10 min)
 * @param minKernel the lowest kernel version the pre-checks accept, e.g. "4.20"
 * @param maxClockSkew the largest clock difference to the control plane the pre-checks accept
 * @param heartbeatTimeout how long a step may go without a heartbeat before Temporal declares its
 *     worker lost and the step runs again elsewhere (default 15 s; SSH steps heartbeat every 2 s)
 * @param graftRetries true when the step engine retries failed activities itself (one Temporal
 *     attempt per call, every attempt recorded); false in histories written before it did, where
 *     Temporal retried server-side. Each workflow sets it from its own {@code Workflow.getVersion}
 *     ({@link dev.graft.workflows.step.Steps#ownRetries}); what a caller passes is overridden.
 */
public record ExecutionPolicy(
    int stepMaxAttempts,
    Duration readyTimeout,
    String minKernel,
    Duration maxClockSkew,
    Duration heartbeatTimeout,
    boolean graftRetries) {
  /** Every setting at its default (the compact constructor fills unset values). */
  public static final ExecutionPolicy DEFAULTS =
      new ExecutionPolicy(0, null, null, null, null, false);

  public ExecutionPolicy {
    stepMaxAttempts = stepMaxAttempts <= 0 ? 3 : stepMaxAttempts;
    readyTimeout = readyTimeout == null ? Duration.ofMinutes(10) : readyTimeout;
    minKernel = minKernel == null || minKernel.isBlank() ? "4.20" : minKernel;
    maxClockSkew = maxClockSkew == null ? Duration.ofSeconds(5) : maxClockSkew;
    heartbeatTimeout =
        heartbeatTimeout == null || heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()
            ? Duration.ofSeconds(15)
            : heartbeatTimeout;
  }

  /** Every setting at its default but the attempts per step. */
  public static ExecutionPolicy withMaxAttempts(int stepMaxAttempts) {
    return new ExecutionPolicy(stepMaxAttempts, null, null, null);
  }

  /** A policy with the default heartbeat timeout. */
  public ExecutionPolicy(
      int stepMaxAttempts, Duration readyTimeout, String minKernel, Duration maxClockSkew) {
    this(stepMaxAttempts, readyTimeout, minKernel, maxClockSkew, null, false);
  }

  /** A policy with every setting given but who retries (the workflow decides that). */
  public ExecutionPolicy(
      int stepMaxAttempts,
      Duration readyTimeout,
      String minKernel,
      Duration maxClockSkew,
      Duration heartbeatTimeout) {
    this(stepMaxAttempts, readyTimeout, minKernel, maxClockSkew, heartbeatTimeout, false);
  }

  /** The same policy with another heartbeat timeout. */
  public ExecutionPolicy withHeartbeatTimeout(Duration timeout) {
    return new ExecutionPolicy(
        stepMaxAttempts, readyTimeout, minKernel, maxClockSkew, timeout, graftRetries);
  }

  /** The same policy with the step engine (true) or Temporal (false) retrying failed steps. */
  public ExecutionPolicy withGraftRetries(boolean graft) {
    return new ExecutionPolicy(
        stepMaxAttempts, readyTimeout, minKernel, maxClockSkew, heartbeatTimeout, graft);
  }
}
