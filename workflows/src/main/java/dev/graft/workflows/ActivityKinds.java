package dev.graft.workflows;

import dev.graft.workflows.join.ExecutionPolicy;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Activity options per kind of outside call, built in one place: every call has a start-to-close
 * timeout, long ones heartbeat, and failure types that retrying cannot fix are named here.
 */
public final class ActivityKinds {
  /** Failure types no retry can fix: trust, configuration and input problems. */
  public static final String[] NON_RETRYABLE = {
    "SshHostKeyMismatch",
    "SshHostKeyUnknown",
    "SshKeyUnreadable",
    "SshAuthFailed",
    "SshConfigInvalid",
    "InvalidInput",
    "PrecheckFailed",
    "KubeconfigUnreadable",
    "KubeForbidden"
  };

  private ActivityKinds() {}

  private static RetryOptions retry(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(2))
        .setBackoffCoefficient(2)
        .setMaximumInterval(Duration.ofSeconds(30))
        .setMaximumAttempts(attempts)
        .setDoNotRetry(NON_RETRYABLE)
        .build();
  }

  /** Commands over SSH: minutes at most, heartbeating their output. */
  public static ActivityOptions ssh(ExecutionPolicy policy) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(10))
        .setHeartbeatTimeout(policy.heartbeatTimeout())
        .setRetryOptions(retry(policy.stepMaxAttempts()))
        .build();
  }

  /** Calls to the Kubernetes API: each request is bounded by the client's own timeouts. */
  public static ActivityOptions kube(ExecutionPolicy policy) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(2))
        .setRetryOptions(retry(policy.stepMaxAttempts()))
        .build();
  }

  /** Waiting for a condition (Node Ready): as long as the policy allows, heartbeating. */
  public static ActivityOptions waitFor(ExecutionPolicy policy, Duration timeout) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(timeout.plusMinutes(1))
        .setHeartbeatTimeout(Duration.ofSeconds(30))
        .setRetryOptions(retry(policy.stepMaxAttempts()))
        .build();
  }

  /** Compensations: retried longer, since leaving a half-done change is the worse outcome. */
  public static ActivityOptions compensation() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(10))
        .setHeartbeatTimeout(Duration.ofSeconds(60))
        .setRetryOptions(retry(5))
        .build();
  }
}
