package dev.graft.workflows.plan;

/** Raft quorum arithmetic for etcd, as etcd's FAQ states it. */
public final class QuorumMath {
  private QuorumMath() {}

  /** Votes needed: a strict majority, {@code n/2 + 1}. Zero members need zero votes. */
  public static int quorum(int members) {
    if (members < 0) {
      throw new IllegalArgumentException("negative member count " + members);
    }
    return members == 0 ? 0 : members / 2 + 1;
  }

  /** How many members may fail while a quorum remains: {@code (n-1)/2}. */
  public static int faultTolerance(int members) {
    return members == 0 ? 0 : members - quorum(members);
  }

  /**
   * Projects adding one member to a cluster of {@code members} of which {@code healthy} are
   * healthy. The new member is counted as failed, because a join that goes wrong is exactly when
   * the projection matters: etcd counts the new member in the quorum the moment it is added as a
   * voter (learners do not vote, which is why Graft adds as a learner first and promotes last).
   */
  public static QuorumProjection projectAdd(int members, int healthy) {
    int after = members + 1;
    QuorumProjection p =
        new QuorumProjection(
            members,
            after,
            quorum(members),
            quorum(after),
            faultTolerance(members),
            faultTolerance(after),
            healthy,
            null);
    return withWarning(p);
  }

  /** A step that leaves membership alone (a control-plane node without etcd). */
  public static QuorumProjection unchanged(int members, int healthy) {
    return new QuorumProjection(
        members,
        members,
        quorum(members),
        quorum(members),
        faultTolerance(members),
        faultTolerance(members),
        healthy,
        null);
  }

  private static QuorumProjection withWarning(QuorumProjection p) {
    if (!p.losesQuorumIfNewMemberFails()) {
      return p;
    }
    String text =
        "etcd "
            + p.membersBefore()
            + " -> "
            + p.membersAfter()
            + " members: quorum becomes "
            + p.quorumAfter()
            + " of "
            + p.membersAfter()
            + "; if the new member fails after promotion, only "
            + p.healthyIfNewFails()
            + " can vote, etcd loses quorum and the API server stops until the member is"
            + " removed. Graft adds it as a learner and promotes it only once it has caught up.";
    return new QuorumProjection(
        p.membersBefore(),
        p.membersAfter(),
        p.quorumBefore(),
        p.quorumAfter(),
        p.faultToleranceBefore(),
        p.faultToleranceAfter(),
        p.healthyIfNewFails(),
        text);
  }
}
