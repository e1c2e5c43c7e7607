package dev.graft.workflows.plan;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Quorum arithmetic for taking etcd members away (pure), as {@link QuorumMath#projectAdd} does for
 * adding one: the projection counts the removed member gone <b>and one more failure</b> among the
 * voters that stay. A removal passes only if, after it, the cluster would still hold a quorum with
 * one more member down: otherwise the removal itself is what leaves the cluster one failure away
 * from stopping its API servers.
 *
 * <p>So 3 → 2 healthy voters is refused (2 voters need 2 votes; one more failure leaves 1), 5 → 4
 * passes with an even-size warning, 4 → 3 passes, and removing 2 of 3 is refused at its first
 * member. To take a member of a three-member cluster away, replace it ({@code graft replace}: the
 * new member is added first, 3 → 4 → 3).
 *
 * <p><b>One exception</b>, reported as a warning: a member that is already unhealthy (dead host,
 * never started, a learner) adds nothing to the cluster's fault tolerance, so removing it never
 * lowers it. Such a removal needs only that the voters that stay hold their quorum without it. This
 * is what makes replacing a dead control plane possible.
 *
 * <p><b>The operator's override</b> ({@code --accept-no-fault-tolerance}): only the strict rule's
 * refusal (the voters that stay hold their quorum now, but not with one more failure) turns into an
 * accepted projection ({@link Projection#overridden()}), which the workflow puts behind a mandatory
 * approval before the member goes. Losing the quorum now, removing the last voter and going below
 * two voters stay refused whatever the flag says.
 */
public final class RemovalQuorum {
  /**
   * The override never takes etcd below two voters: one voter is no cluster to speak of, and
   * removing 2 of 3 in one operation stays refused with or without it.
   */
  static final int MIN_OVERRIDE_VOTERS = 2;

  private RemovalQuorum() {}

  /** A member as the projection needs it. */
  public record Voter(String id, String name, boolean healthy, boolean learner) {}

  /** etcd's members as voters, each named by its id when etcd reports no name (not started yet). */
  public static List<Voter> voters(List<EtcdMember> members) {
    return members.stream()
        .map(
            m ->
                new Voter(
                    m.id(),
                    m.name() == null || m.name().isEmpty() ? m.id() : m.name(),
                    m.healthy(),
                    m.learner()))
        .toList();
  }

  /**
   * What removing one member does.
   *
   * @param votersBefore voting members before this removal (learners do not vote)
   * @param healthyAfter healthy voters left once it is gone
   * @param healthyIfOneMoreFails {@code healthyAfter - 1}: the failure the projection counts
   */
  public record Projection(
      String memberId,
      String member,
      int votersBefore,
      int votersAfter,
      int quorumAfter,
      int healthyAfter,
      int healthyIfOneMoreFails,
      boolean removedHealthy,
      boolean learner,
      boolean allowed,
      String message,
      boolean overridden,
      Integer toleranceAfter) {
    /**
     * Whether the strict rule alone refused it: the voters that stay keep their quorum now, so
     * {@code --accept-no-fault-tolerance} may accept it (behind an approval).
     */
    public boolean overridable() {
      return !allowed
          && !learner
          && removedHealthy
          && votersAfter >= MIN_OVERRIDE_VOTERS
          && healthyAfter >= quorumAfter;
    }

    /**
     * One line, e.g. "etcd 3 -> 2 voters: quorum 2; 2 healthy stay, 1 if one more fails: REFUSED".
     */
    public String line() {
      return message;
    }
  }

  /**
   * Projects removing {@code removeIds} one after the other from {@code members}; each projection
   * starts from the cluster as the previous one leaves it. Ids not among the members project
   * nothing (already removed).
   */
  public static List<Projection> project(List<Voter> members, List<String> removeIds) {
    return project(members, removeIds, false);
  }

  /**
   * As {@link #project(List, List)}; with {@code acceptNoFaultTolerance} a removal the strict rule
   * alone refuses is accepted ({@link Projection#overridden()}) and says what tolerance is left.
   */
  public static List<Projection> project(
      List<Voter> members, List<String> removeIds, boolean acceptNoFaultTolerance) {
    List<Voter> left = new ArrayList<>(members);
    List<Projection> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String id : removeIds) {
      if (!seen.add(id)) {
        continue;
      }
      Voter v = left.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
      if (v == null) {
        continue;
      }
      out.add(one(left, v, acceptNoFaultTolerance));
      left.remove(v);
    }
    return out;
  }

  /** Removing {@code v} from {@code members} (which hold it), strictly. */
  public static Projection one(List<Voter> members, Voter v) {
    return one(members, v, false);
  }

  /**
   * Removing {@code v} from {@code members}; the operator's override as {@link #project(List, List,
   * boolean)}.
   */
  public static Projection one(List<Voter> members, Voter v, boolean acceptNoFaultTolerance) {
    Projection p = strict(members, v);
    if (!acceptNoFaultTolerance || !p.overridable()) {
      return p;
    }
    int tolerance = p.healthyAfter() - p.quorumAfter();
    String msg =
        "etcd "
            + p.votersBefore()
            + " -> "
            + p.votersAfter()
            + " voters without "
            + v.name()
            + " ("
            + v.id()
            + "): quorum "
            + p.quorumAfter()
            + " of "
            + p.votersAfter()
            + ", "
            + p.healthyAfter()
            + " healthy stay; accepted with --accept-no-fault-tolerance: etcd then tolerates "
            + tolerance
            + " failure(s) (one more member lost stops etcd and every API server) until a member is added;"
            + " an operator approves approve/etcd-member before it goes";
    return new Projection(
        p.memberId(),
        p.member(),
        p.votersBefore(),
        p.votersAfter(),
        p.quorumAfter(),
        p.healthyAfter(),
        p.healthyIfOneMoreFails(),
        true,
        false,
        true,
        msg,
        true,
        tolerance);
  }

  private static Projection strict(List<Voter> members, Voter v) {
    List<Voter> voters = members.stream().filter(m -> !m.learner()).toList();
    int before = voters.size();
    if (v.learner()) {
      int healthy = (int) voters.stream().filter(Voter::healthy).count();
      return new Projection(
          v.id(),
          v.name(),
          before,
          before,
          QuorumMath.quorum(before),
          healthy,
          healthy - 1,
          false,
          true,
          true,
          "etcd learner "
              + v.name()
              + " ("
              + v.id()
              + ") does not vote: removing it leaves "
              + before
              + " voter(s) as they are",
          false,
          null);
    }
    int after = before - 1;
    int quorumAfter = QuorumMath.quorum(after);
    int healthyAfter = (int) voters.stream().filter(m -> m != v && m.healthy()).count();
    int oneMore = healthyAfter - 1;
    boolean allowed;
    String why;
    if (after == 0) {
      allowed = false;
      why = "it is etcd's last voter";
    } else if (!v.healthy()) {
      // Removing a dead member does not lower the fault tolerance: only the quorum of what stays
      // counts.
      allowed = healthyAfter >= quorumAfter;
      why =
          allowed
              ? "it is unhealthy already, so the cluster's fault tolerance does not change"
              : "the "
                  + healthyAfter
                  + " healthy voter(s) that stay cannot form a quorum of "
                  + quorumAfter;
    } else {
      allowed = oneMore >= quorumAfter;
      why =
          allowed
              ? "one more failure leaves " + oneMore + " of the " + quorumAfter + " votes needed"
              : "with one more failure only "
                  + oneMore
                  + " voter(s) of the "
                  + quorumAfter
                  + " needed would be left:"
                  + " etcd and every API server would stop";
    }
    boolean overridable =
        !allowed && v.healthy() && after >= MIN_OVERRIDE_VOTERS && healthyAfter >= quorumAfter;
    String msg =
        "etcd "
            + before
            + " -> "
            + after
            + " voters without "
            + v.name()
            + " ("
            + v.id()
            + "): quorum "
            + quorumAfter
            + " of "
            + after
            + ", "
            + healthyAfter
            + " healthy stay; "
            + why
            + (allowed
                ? ""
                : overridable
                    ? " (refused); --accept-no-fault-tolerance would accept it, behind an approval,"
                        + " leaving etcd "
                        + (healthyAfter - quorumAfter)
                        + " failure(s) of tolerance)"
                    : " (refused)");
    return new Projection(
        v.id(),
        v.name(),
        before,
        after,
        quorumAfter,
        healthyAfter,
        oneMore,
        v.healthy(),
        false,
        allowed,
        msg,
        false,
        allowed ? Math.max(0, healthyAfter - quorumAfter) : null);
  }
}
