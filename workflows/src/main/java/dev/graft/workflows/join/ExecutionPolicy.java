package dev.graft.workflows.join;

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
 *     worker lost and runs the step again elsewhere (default 60 s)
 */
public record ExecutionPolicy(
    int stepMaxAttempts,
    Duration readyTimeout,
    String minKernel,
    Duration maxClockSkew,
    Duration heartbeatTimeout) {
  /** Every setting at its default (the compact constructor fills unset values). */
  public static final ExecutionPolicy DEFAULTS = new ExecutionPolicy(0, null, null, null, null);

  public ExecutionPolicy {
    stepMaxAttempts = stepMaxAttempts <= 0 ? 3 : stepMaxAttempts;
    readyTimeout = readyTimeout == null ? Duration.ofMinutes(10) : readyTimeout;
    minKernel = minKernel == null || minKernel.isBlank() ? "4.20" : minKernel;
    maxClockSkew = maxClockSkew == null ? Duration.ofSeconds(5) : maxClockSkew;
    heartbeatTimeout =
        heartbeatTimeout == null || heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()
            ? Duration.ofSeconds(60)
            : heartbeatTimeout;
  }

  /** A policy with the default heartbeat timeout. */
  public ExecutionPolicy(
      int stepMaxAttempts, Duration readyTimeout, String minKernel, Duration maxClockSkew) {
    this(stepMaxAttempts, readyTimeout, minKernel, maxClockSkew, null);
  }

  /** The same policy with another heartbeat timeout. */
  public ExecutionPolicy withHeartbeatTimeout(Duration timeout) {
    return new ExecutionPolicy(stepMaxAttempts, readyTimeout, minKernel, maxClockSkew, timeout);
  }
}
