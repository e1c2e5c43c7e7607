package dev.graft.workflows;

import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.RetryPlan;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Activity options per kind of outside call, built in one place: every call has a start-to-close
 * timeout, long ones heartbeat, and failure types that retrying cannot fix are named here.
 */
public final class ActivityKinds {
  /** Failure types no retry can fix: trust, configuration and input problems. */
  public static final String[] NON_RETRYABLE = {
    FailureTypes.SSH_HOST_KEY_MISMATCH,
    FailureTypes.SSH_HOST_KEY_UNKNOWN,
    FailureTypes.SSH_KEY_UNREADABLE,
    FailureTypes.SSH_AUTH_FAILED,
    FailureTypes.SSH_CONFIG_INVALID,
    FailureTypes.INVALID_INPUT,
    FailureTypes.PRECHECK_FAILED,
    FailureTypes.KUBECONFIG_UNREADABLE,
    FailureTypes.KUBE_FORBIDDEN
  };

  private ActivityKinds() {}

  /**
   * Temporal attempts per activity call: 1 when the step engine retries the step itself (it records
   * every attempt; see {@link dev.graft.workflows.step.Steps#ownRetries}), else {@code attempts}
   * server-side retries (histories written before the engine did).
   */
  private static int attempts(ExecutionPolicy policy, int attempts) {
    return policy.graftRetries() ? 1 : attempts;
  }

  /** How the step engine retries an ordinary step (SSH, API, waits): as Temporal used to. */
  public static RetryPlan steps(ExecutionPolicy policy) {
    return new RetryPlan(
        policy.stepMaxAttempts(),
        Duration.ofSeconds(2),
        2,
        Duration.ofSeconds(30),
        Set.of(etcdDoNotRetry()));
  }

  /**
   * How the step engine retries an etcd membership change: etcd refuses one for a few seconds after
   * another ("unhealthy cluster") and a promote until the learner is in sync, so quickly and more
   * often (as {@link #etcdChange} did server-side).
   */
  public static RetryPlan etcdChanges(ExecutionPolicy policy) {
    return new RetryPlan(
        Math.max(12, policy.stepMaxAttempts()),
        Duration.ofMillis(500),
        1.5,
        Duration.ofSeconds(5),
        Set.of(etcdDoNotRetry()));
  }

  private static RetryOptions retry(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(2))
        .setBackoffCoefficient(2)
        .setMaximumInterval(Duration.ofSeconds(30))
        .setMaximumAttempts(attempts)
        .setDoNotRetry(NON_RETRYABLE)
        .build();
  }

  /** Commands over SSH: minutes at most, heartbeating their output (every 2 s, silent or not). */
  public static ActivityOptions ssh(ExecutionPolicy policy) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(10))
        .setHeartbeatTimeout(policy.heartbeatTimeout())
        .setRetryOptions(retry(attempts(policy, policy.stepMaxAttempts())))
        .build();
  }

  /**
   * Calls to the Kubernetes API: a few requests, each bounded by the client's own timeouts (15 s),
   * so a short start-to-close: a worker killed mid-call loses the step for 45 s at most.
   */
  public static ActivityOptions kube(ExecutionPolicy policy) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(45))
        .setRetryOptions(retry(attempts(policy, policy.stepMaxAttempts())))
        .build();
  }

  /** Waiting for a condition (Node Ready): as long as the policy allows, heartbeating. */
  public static ActivityOptions waitFor(ExecutionPolicy policy, Duration timeout) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(timeout.plusMinutes(1))
        .setHeartbeatTimeout(policy.heartbeatTimeout())
        .setRetryOptions(retry(attempts(policy, policy.stepMaxAttempts())))
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

  /**
   * etcd failure types no retry can fix; the workflow decides what follows (wait, roll back, park).
   */
  public static final String[] ETCD_NON_RETRYABLE = {
    FailureTypes.QUORUM_GATE_REFUSED,
    FailureTypes.ETCD_TLS_UNREADABLE,
    FailureTypes.ETCD_LEARNER_NOT_CAUGHT_UP,
    FailureTypes.ETCD_MEMBER_MISSING,
    FailureTypes.ETCD_MEMBER_NOT_HEALTHY_VOTER,
    FailureTypes.ETCD_DATA_DIR_NOT_EMPTY,
    FailureTypes.ETCD_BINARY_MISSING,
    FailureTypes.MANIFEST_MISSING
  };

  private static String[] etcdDoNotRetry() {
    return Stream.concat(Arrays.stream(NON_RETRYABLE), Arrays.stream(ETCD_NON_RETRYABLE))
        .toArray(String[]::new);
  }

  /**
   * etcd reads (jetcd, each call bounded by the worker's 5 s timeout): a short start-to-close, so a
   * worker killed mid-call loses the step for 45 s at most.
   */
  public static ActivityOptions etcd(ExecutionPolicy policy) {
    return etcdOptions(policy, Duration.ofSeconds(45), null);
  }

  /**
   * A removal's etcd changes (leader move, member removal by id): the reads' start-to-close, and
   * the policy's heartbeat timeout (the activities heartbeat while a read waits out its timeout),
   * so a worker killed mid-change loses the step for the heartbeat timeout, not 45 s.
   */
  public static ActivityOptions etcdRemoval(ExecutionPolicy policy) {
    return etcdOptions(policy, Duration.ofSeconds(45), policy.heartbeatTimeout());
  }

  /** SSH steps of an etcd change (certificates, install, the apiserver manifests): heartbeating. */
  public static ActivityOptions etcdHost(ExecutionPolicy policy) {
    return etcdOptions(policy, Duration.ofMinutes(2), policy.heartbeatTimeout());
  }

  private static ActivityOptions etcdOptions(
      ExecutionPolicy policy, Duration startToClose, Duration heartbeat) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(startToClose)
        .setHeartbeatTimeout(
            heartbeat) // null: the call does not heartbeat; start-to-close bounds it
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(2))
                .setBackoffCoefficient(2)
                .setMaximumInterval(Duration.ofSeconds(30))
                .setMaximumAttempts(attempts(policy, policy.stepMaxAttempts()))
                .setDoNotRetry(etcdDoNotRetry())
                .build())
        .build();
  }

  /**
   * Membership changes (add, promote, remove): etcd refuses them for a few seconds after another
   * change ("unhealthy cluster") and refuses a promote until the learner is in sync, so they are
   * retried quickly and more often; exhausted, the step parks in needs-attention.
   */
  public static ActivityOptions etcdChange(ExecutionPolicy policy) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(60))
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofMillis(500))
                .setBackoffCoefficient(1.5)
                .setMaximumInterval(Duration.ofSeconds(5))
                .setMaximumAttempts(attempts(policy, Math.max(12, policy.stepMaxAttempts())))
                .setDoNotRetry(etcdDoNotRetry())
                .build())
        .build();
  }

  /**
   * A step inside a budget (starting and catching up a learner): every attempt together must end
   * within {@code budget} (schedule-to-close), after which the workflow rolls back.
   */
  public static ActivityOptions withinBudget(Duration budget) {
    Duration total = budget.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : budget;
    return ActivityOptions.newBuilder()
        .setScheduleToCloseTimeout(total)
        .setHeartbeatTimeout(Duration.ofSeconds(10))
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2)
                .setMaximumInterval(Duration.ofSeconds(10))
                .setDoNotRetry(etcdDoNotRetry())
                .build())
        .build();
  }

  /**
   * Rollback of an etcd change: retried longer, leaving a half-added member is the worse outcome.
   */
  public static ActivityOptions etcdCompensation() {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(5))
        .setHeartbeatTimeout(Duration.ofSeconds(60))
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2)
                .setMaximumInterval(Duration.ofSeconds(15))
                .setMaximumAttempts(10)
                .setDoNotRetry(NON_RETRYABLE)
                .build())
        .build();
  }
}
