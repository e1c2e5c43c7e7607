package dev.graft.workflows.remove;

import dev.graft.workflows.plan.PlanMessage;

/**
 * Something a failed or half-done change left behind, found by the pre-check, with the step that
 * would remove it. Graft removes an orphan only after an operator approves.
 *
 * @param kind {@code learner}, {@code member-without-node}, {@code node-without-host}, {@code
 *     half-joined-host}
 * @param name the member's or node's name (an unstarted member: its id)
 * @param memberId the etcd member id (hex) for member kinds, else null
 * @param detail what was seen
 * @param proposed the step that would clean it, in words
 */
public record Orphan(String kind, String name, String memberId, String detail, String proposed) {
  public static final String LEARNER = "learner";
  public static final String MEMBER_WITHOUT_NODE = "member-without-node";
  public static final String NODE_WITHOUT_HOST = "node-without-host";
  public static final String HALF_JOINED_HOST = "half-joined-host";

  /** The id of the step that cleans it: {@code orphan/<kind>/<name>}. */
  public String stepId() {
    return "orphan/" + kind + "/" + name;
  }

  /**
   * How a plan reports it (expansion, upgrade and removal plans alike): a warning with code {@code
   * orphan-<kind>} that names the proposed step and the operation that takes it.
   */
  public PlanMessage asWarning() {
    return new PlanMessage(
        "orphan-" + kind,
        name,
        detail
            + "; proposed step: "
            + proposed
            + " (graft remove --clean-orphans takes it once an operator approves approve/orphans)");
  }

  @Override
  public String toString() {
    return kind + " " + name + ": " + detail + " -> proposed: " + proposed;
  }
}
