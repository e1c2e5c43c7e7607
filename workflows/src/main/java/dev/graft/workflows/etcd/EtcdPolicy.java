package dev.graft.workflows.etcd;

import dev.graft.workflows.step.ExecutionPolicy;
import java.time.Duration;

/**
 * Settings of an etcd membership change, carried in its input (editing config never changes a
 * running execution). Unset values take their defaults.
 *
 * @param stepMaxAttempts Temporal attempts of one step before it parks in needs-attention
 * @param catchUpBudget how long a new learner may take to start and catch up before Graft rolls it
 *     back (default 2 min)
 * @param maxRaftLag how far behind the leader's raft index a learner may be and count as caught up
 * @param gateRetryInterval the durable wait between two quorum-gate checks (default 30 s)
 * @param gateChecks quorum-gate checks before the gate parks in needs-attention (default 4)
 * @param allowEvenSize let the operation end at an even member count (refused by default)
 * @param etcdBinary the etcd binary on new external members (default /usr/bin/etcd)
 */
public record EtcdPolicy(
    int stepMaxAttempts,
    Duration catchUpBudget,
    long maxRaftLag,
    Duration gateRetryInterval,
    int gateChecks,
    boolean allowEvenSize,
    String etcdBinary) {
  public static final EtcdPolicy DEFAULTS = new EtcdPolicy(0, null, 0, null, 0, false, null);

  /** Every setting at its default but the attempts per step and whether an even size may remain. */
  public static EtcdPolicy defaults(int stepMaxAttempts, boolean allowEvenSize) {
    return new EtcdPolicy(stepMaxAttempts, null, 0, null, 0, allowEvenSize, null);
  }

  public EtcdPolicy {
    stepMaxAttempts = stepMaxAttempts <= 0 ? 3 : stepMaxAttempts;
    catchUpBudget = catchUpBudget == null ? Duration.ofMinutes(2) : catchUpBudget;
    maxRaftLag = maxRaftLag <= 0 ? 100 : maxRaftLag;
    gateRetryInterval = gateRetryInterval == null ? Duration.ofSeconds(30) : gateRetryInterval;
    gateChecks = gateChecks <= 0 ? 4 : gateChecks;
    etcdBinary = etcdBinary == null || etcdBinary.isBlank() ? "/usr/bin/etcd" : etcdBinary;
  }

  /** The activity-option view of these settings. */
  public ExecutionPolicy execution() {
    return ExecutionPolicy.withMaxAttempts(stepMaxAttempts);
  }
}
