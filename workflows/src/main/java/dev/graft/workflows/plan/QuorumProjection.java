package dev.graft.workflows.plan;

/**
 * What one step does to etcd's quorum. {@code healthyIfNewFails} counts the members that would
 * still vote if the member this step adds never comes up, the case that decides whether the step
 * can take the cluster down. {@code warning} is null when the step is safe.
 */
public record QuorumProjection(
    int membersBefore,
    int membersAfter,
    int quorumBefore,
    int quorumAfter,
    int faultToleranceBefore,
    int faultToleranceAfter,
    int healthyIfNewFails,
    String warning) {

  public boolean changesMembership() {
    return membersBefore != membersAfter;
  }

  /**
   * True when a failure of the new member leaves fewer voters than the new quorum. The very first
   * member has no quorum to lose, so it never counts.
   */
  public boolean losesQuorumIfNewMemberFails() {
    return changesMembership() && membersBefore > 0 && healthyIfNewFails < quorumAfter;
  }
}
