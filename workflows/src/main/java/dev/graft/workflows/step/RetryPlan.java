package dev.graft.workflows.step;

import java.time.Duration;
import java.util.Set;

/**
 * How the step engine retries a step's activity itself (each call is one Temporal attempt, so every
 * attempt is recorded in Graft's step model and in history): up to {@code maxAttempts} calls, with
 * an exponential backoff between them. A worker lost mid-attempt (heartbeat or start-to-close
 * timeout) is retried at once: the node is fine, only its worker died.
 *
 * @param doNotRetry failure types no retry can fix (trust, configuration, input): they park at once
 */
public record RetryPlan(
    int maxAttempts,
    Duration initialInterval,
    double backoffCoefficient,
    Duration maximumInterval,
    Set<String> doNotRetry) {
  public RetryPlan {
    maxAttempts = Math.max(1, maxAttempts);
    doNotRetry = doNotRetry == null ? Set.of() : Set.copyOf(doNotRetry);
  }

  /** The wait before attempt {@code next} (2 for the first retry). */
  public Duration backoff(int next) {
    double ms = initialInterval.toMillis() * Math.pow(backoffCoefficient, Math.max(0, next - 2));
    return Duration.ofMillis((long) Math.min(ms, maximumInterval.toMillis()));
  }
}
