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
 */
public record ExecutionPolicy(
    int stepMaxAttempts, Duration readyTimeout, String minKernel, Duration maxClockSkew) {
  /** Every setting at its default (the compact constructor fills unset values). */
  public static final ExecutionPolicy DEFAULTS = new ExecutionPolicy(0, null, null, null);

  public ExecutionPolicy {
    stepMaxAttempts = stepMaxAttempts <= 0 ? 3 : stepMaxAttempts;
    readyTimeout = readyTimeout == null ? Duration.ofMinutes(10) : readyTimeout;
    minKernel = minKernel == null || minKernel.isBlank() ? "4.20" : minKernel;
    maxClockSkew = maxClockSkew == null ? Duration.ofSeconds(5) : maxClockSkew;
  }
}
