package dev.graft.workflows.etcd;

import dev.graft.workflows.plan.QuorumMath;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The check Graft runs before every etcd membership change. Pure: it reads an observation and
 * decides. A change passes only if
 *
 * <ol>
 *   <li>every member is started, answers its status, sees a leader, raises no alarm, reports no
 *       error and serves a read through its endpoint;
 *   <li>no learner is present (etcd allows one at a time, and a learner means a change is already
 *       half done);
 *   <li>the projected voting set keeps quorum even if the new member never comes up: the new member
 *       counts as unhealthy;
 *   <li>the operation's target size is odd, unless the request overrides this.
 * </ol>
 *
 * <p>One exception to (3), stated in the verdict as a warning: a single-member cluster that the
 * operation grows to an odd size of three or more has to pass through two members. Its fault
 * tolerance is zero before and during that step (losing either member stops it, as losing the one
 * member already would), and Graft only promotes the new member once it has caught up. Refusing it
 * would make growing from one member impossible.
 */
public final class QuorumGate {
  private QuorumGate() {}

  /**
   * The change to check.
   *
   * @param newPeerUrl the peer URL of the member to add
   * @param targetSize the member count the whole operation ends with
   * @param allowEvenSize the operator accepted an even target size
   */
  public record Change(String newPeerUrl, int targetSize, boolean allowEvenSize) {}

  /**
   * What the gate decided.
   *
   * @param alreadyMember the new peer URL is already a healthy voter: nothing to add
   * @param healthyIfNewFails voters that would still vote if the new member never came up
   */
  public record Verdict(
      boolean allowed,
      boolean alreadyMember,
      List<String> refusals,
      List<String> warnings,
      int votersBefore,
      int votersAfter,
      int quorumAfter,
      int healthyIfNewFails) {
    public String message() {
      if (alreadyMember) {
        return "already a healthy voter: nothing to add";
      }
      String projection =
          votersBefore
              + " -> "
              + votersAfter
              + " voters, quorum "
              + quorumAfter
              + ", "
              + healthyIfNewFails
              + " healthy if the new member never comes up";
      if (allowed) {
        return "passed ("
            + projection
            + ")"
            + (warnings.isEmpty() ? "" : "; warning: " + String.join("; ", warnings));
      }
      return "refused: " + String.join("; ", refusals) + " (" + projection + ")";
    }
  }

  public static Verdict evaluate(EtcdClusterStatus status, Change change) {
    List<String> refusals = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<EtcdMemberStatus> members = status.members();
    int voters = (int) members.stream().filter(m -> !m.learner()).count();
    int healthyVoters = (int) members.stream().filter(m -> !m.learner() && m.healthy()).count();
    int after = voters + 1;
    int quorumAfter = QuorumMath.quorum(after);

    EtcdMemberStatus existing = status.byPeerUrl(change.newPeerUrl()).orElse(null);
    if (existing != null && !existing.learner() && existing.healthy()) {
      return new Verdict(
          true,
          true,
          List.of(),
          List.of(),
          voters,
          voters,
          QuorumMath.quorum(voters),
          healthyVoters);
    }
    if (members.isEmpty()) {
      refusals.add("etcd lists no member");
    }
    for (EtcdMemberStatus m : members) {
      if (m.learner()) {
        refusals.add(
            "learner "
                + m.label()
                + " is present"
                + (m.peerUrls().contains(change.newPeerUrl())
                    ? " (the member being added, left by an earlier attempt)"
                    : "")
                + ": promote or remove it first");
      } else if (!m.healthy()) {
        refusals.add("member " + m.label() + " is unhealthy: " + String.join("; ", m.problems()));
      }
    }
    if (!members.isEmpty()
        && members.stream().noneMatch(m -> m.reachable() && m.leaderId() != null)) {
      refusals.add("no member sees a leader");
    }
    if (healthyVoters < quorumAfter) {
      boolean growingFromOne =
          voters == 1
              && healthyVoters == 1
              && change.targetSize() >= 3
              && change.targetSize() % 2 == 1;
      String risk =
          "with "
              + after
              + " voters the quorum is "
              + quorumAfter
              + ", and if "
              + change.newPeerUrl()
              + " never comes up only "
              + healthyVoters
              + " healthy voter"
              + (healthyVoters == 1 ? "" : "s")
              + " remain";
      if (growingFromOne) {
        warnings.add(
            risk
                + "; accepted because the cluster has one member and grows to "
                + change.targetSize()
                + ": it tolerates no failure until the next member is promoted");
      } else {
        refusals.add(risk);
      }
    }
    if (change.targetSize() % 2 == 0) {
      String even =
          "the target size "
              + change.targetSize()
              + " is even: it tolerates no more"
              + " failures than "
              + (change.targetSize() - 1)
              + " members and needs a larger quorum";
      if (change.allowEvenSize()) {
        warnings.add(even + " (allowed by the request)");
      } else {
        refusals.add(even + "; add one more member or set allowEvenSize");
      }
    }
    return new Verdict(
        refusals.isEmpty(),
        false,
        List.copyOf(refusals),
        List.copyOf(warnings),
        voters,
        after,
        quorumAfter,
        healthyVoters);
  }

  /**
   * Members an operation may remove on its own before it goes on: those it owns (their peer URL
   * belongs to a node of this operation) that are learners, never started, or unhealthy, and whose
   * removal etcd can commit (the healthy voters hold the current quorum). Learners go first: they
   * do not vote, so removing them never risks quorum. A dead member Graft does not own is never
   * removed automatically: the gate names it and an operator decides.
   */
  public static List<EtcdMemberStatus> staleOwned(
      EtcdClusterStatus status, Set<String> ownedPeerUrls) {
    List<EtcdMemberStatus> out = new ArrayList<>();
    int voters = status.voters().size();
    int healthyVoters = (int) status.voters().stream().filter(EtcdMemberStatus::healthy).count();
    for (EtcdMemberStatus m : status.learners()) {
      if (owned(m, ownedPeerUrls)) {
        out.add(m);
      }
    }
    for (EtcdMemberStatus m : status.voters()) {
      if (owned(m, ownedPeerUrls) && !m.healthy() && healthyVoters >= QuorumMath.quorum(voters)) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Whether the member with {@code peerUrl} (left by a failed join) may be removed now, and why
   * not. A learner does not vote: removing it never changes the quorum, but etcd must still commit
   * the change, so the healthy voters must hold the current quorum. A voter may go only if the
   * healthy voters other than it hold the quorum of the smaller cluster too, and never the last
   * voter.
   */
  public record Removal(boolean allowed, EtcdMemberStatus member, String reason) {}

  public static Removal removal(EtcdClusterStatus status, String peerUrl) {
    EtcdMemberStatus m = status.byPeerUrl(peerUrl).orElse(null);
    if (m == null) {
      return new Removal(false, null, "no member has peer URL " + peerUrl);
    }
    int voters = status.voters().size();
    long healthyVoters = status.voters().stream().filter(EtcdMemberStatus::healthy).count();
    if (healthyVoters < QuorumMath.quorum(voters)) {
      return new Removal(
          false,
          m,
          "only "
              + healthyVoters
              + " of "
              + voters
              + " voters are healthy: etcd cannot commit a membership change without quorum");
    }
    if (m.learner()) {
      return new Removal(
          true,
          m,
          "learner: does not vote, quorum unchanged ("
              + healthyVoters
              + " of "
              + voters
              + " voters healthy)");
    }
    if (voters <= 1) {
      return new Removal(false, m, "it is the only voter");
    }
    long healthyOthers = healthyVoters - (m.healthy() ? 1 : 0);
    int quorumAfter = QuorumMath.quorum(voters - 1);
    if (healthyOthers < quorumAfter) {
      return new Removal(
          false,
          m,
          "removing it leaves "
              + healthyOthers
              + " healthy of "
              + (voters - 1)
              + " voters, below the quorum of "
              + quorumAfter);
    }
    return new Removal(
        true,
        m,
        "voter: "
            + healthyOthers
            + " healthy of "
            + (voters - 1)
            + " voters remain, quorum "
            + quorumAfter);
  }

  private static boolean owned(EtcdMemberStatus m, Set<String> ownedPeerUrls) {
    return m.peerUrls().stream().anyMatch(ownedPeerUrls::contains);
  }
}
