package dev.graft.workflows.etcd;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/**
 * etcd's membership API (jetcd in the worker), with client TLS from paths and a timeout on every
 * call. Every mutating call observes first, so a retry or a resumed workflow finds its own work and
 * reports it as already satisfied.
 */
@ActivityInterface(namePrefix = "Etcd.")
public interface EtcdActivities {
  /**
   * Member list with each member's status (leader, raft index, learner, alarms, errors) and
   * endpoint health.
   */
  EtcdClusterStatus status(ClusterRequest request);

  /** Health of every started member's client endpoint (a linearizable read, as etcdctl does). */
  List<EndpointHealth> health(ClusterRequest request);

  /**
   * The quorum gate: passes, reports the member already a voter, or fails QuorumGateRefused naming
   * why.
   */
  GateResult gate(GateRequest request);

  /**
   * Removes stale members this operation owns (learners, never started, unhealthy) when quorum
   * allows.
   */
  StepOutcome repair(RepairRequest request);

  /**
   * Adds the member as a learner; an existing member with the same peer URL is returned, not added
   * again.
   */
  MemberResult addLearner(MemberRequest request);

  /**
   * Waits, heartbeating, until the learner has caught up with the leader, or fails at the deadline.
   */
  StepOutcome awaitCaughtUp(CatchUpRequest request);

  /**
   * Promotes the learner; fails retryably (EtcdLearnerNotInSync) while etcd refuses; a voter is
   * already satisfied.
   */
  StepOutcome promote(MemberRequest request);

  /**
   * Removes the member (moving leadership away first if it leads); an absent member is already
   * satisfied.
   */
  StepOutcome remove(MemberRequest request);

  /** Moves leadership to another voter. */
  StepOutcome moveLeader(MoveLeaderRequest request);

  /** Every member a started, healthy voter and every endpoint healthy. */
  HealthResult verifyHealthy(ClusterRequest request);

  /** Stacked topology, after a control-plane join: the node's member is a healthy voter. */
  StepOutcome verifyVoter(MemberRequest request);
}
