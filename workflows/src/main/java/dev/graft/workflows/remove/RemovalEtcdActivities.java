package dev.graft.workflows.remove;

import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.plan.RemovalQuorum;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** etcd's side of a removal, by member id (jetcd in the worker, every call bounded). */
@ActivityInterface(namePrefix = "RemoveEtcd.")
public interface RemovalEtcdActivities {
  /** Read-only: the members with their health, and the leader. */
  EtcdFacts observe(ClusterRequest request);

  /**
   * When the member leads, hands leadership to a healthy voter the operation keeps, and says which
   * leader id it saw before and after; a member that does not lead is already satisfied.
   */
  StepOutcome moveLeaderOff(MemberIdRequest request);

  /**
   * Removes the member by id after checking, on a fresh read, that the id still carries the plan's
   * peer URL and that the removal keeps quorum with one more failure ({@link RemovalQuorum}); a
   * member that leads hands leadership over first. An id that is not a member is already satisfied.
   */
  StepOutcome removeMember(MemberIdRequest request);
}
