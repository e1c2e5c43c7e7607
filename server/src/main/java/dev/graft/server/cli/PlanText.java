package dev.graft.server.cli;

import dev.graft.server.inventory.ImportedInventory;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.NodeAddition;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.Phase;
import dev.graft.workflows.plan.PhaseKind;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.PlanStep;
import dev.graft.workflows.plan.QuorumProjection;
import dev.graft.workflows.plan.Route;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders a plan for people, the way {@code terraform plan} does: what changes, in which order,
 * with which checks; then warnings, refusals and a one-line verdict.
 */
final class PlanText {
  private PlanText() {}

  static String render(
      ImportedInventory inv,
      String observedFrom,
      ObservedCluster observed,
      ExpansionPlan plan,
      int maxParallel) {
    StringBuilder b = new StringBuilder();
    b.append("Graft plan for cluster \"").append(plan.clusterName()).append("\"\n");
    inventoryLine(b, inv);
    b.append("  observed:  ")
        .append(observedFrom)
        .append(": ")
        .append(observed.nodes().size())
        .append(" node(s), ")
        .append(observed.etcdMembers().size())
        .append(" etcd member(s)\n\n");

    if (plan.additions().isEmpty()) {
      b.append("No changes. The cluster already has every node of the inventory.\n");
    } else {
      b.append("Graft will add ").append(plan.additions().size()).append(" node(s):\n");
      int w = plan.additions().stream().mapToInt(a -> a.name().length()).max().orElse(0);
      for (NodeAddition a : plan.additions()) {
        b.append("  + ")
            .append(pad(a.name(), w))
            .append("  ")
            .append(pad(a.address(), 15))
            .append("  ")
            .append(pad(roles(a.roles()), 22))
            .append("  pod CIDR ")
            .append(a.podCidr() == null ? "(none)" : a.podCidr())
            .append(a.podCidr() != null && a.podCidrAllocated() ? " (allocated)" : "")
            .append('\n');
      }
      b.append("\netcd: ")
          .append(plan.etcdMembersBefore())
          .append(" -> ")
          .append(plan.etcdMembersAfter())
          .append(" member(s)\n");
      int i = 0;
      for (Phase p : plan.phases()) {
        i++;
        b.append('\n')
            .append(i)
            .append(". ")
            .append(p.title())
            .append(" (")
            .append(
                p.kind() == PhaseKind.WORKERS
                    ? p.steps().size() + " worker(s), up to " + maxParallel + " at once"
                    : p.parallelism() == 1
                        ? "one at a time"
                        : "up to " + p.parallelism() + " in parallel")
            .append(")\n");
        int j = 0;
        for (PlanStep s : p.steps()) {
          j++;
          b.append("   ")
              .append(i)
              .append('.')
              .append(j)
              .append(' ')
              .append(s.description())
              .append('\n');
          QuorumProjection q = s.quorum();
          if (q != null && q.changesMembership()) {
            b.append("       quorum: ")
                .append(q.membersBefore())
                .append(" -> ")
                .append(q.membersAfter())
                .append(" members, needs ")
                .append(q.quorumAfter())
                .append(", tolerates ")
                .append(q.faultToleranceAfter())
                .append(" failure(s)\n");
          }
          if (q != null && q.warning() != null) {
            b.append("       ! ").append(q.warning()).append('\n');
          }
          for (String c : s.checks()) {
            b.append("       - ").append(c).append('\n');
          }
          if (s.routes() != null && !s.routes().isEmpty()) {
            b.append("       routes: ")
                .append(s.routes().stream().map(PlanText::route).collect(Collectors.joining(", ")))
                .append('\n');
          }
        }
      }
    }
    section(b, "Warnings", "!", plan.warnings());
    section(b, "Refusals", "x", plan.refusals());
    if (!plan.notes().isEmpty()) {
      b.append("\nNotes:\n");
      plan.notes().forEach(n -> b.append("  - ").append(n).append('\n'));
    }
    b.append('\n');
    long cp =
        plan.additions().stream()
            .filter(a -> a.roles().contains(Role.CONTROL_PLANE) || a.roles().contains(Role.ETCD))
            .count();
    if (plan.refused()) {
      b.append("Plan REFUSED: ")
          .append(plan.refusals().size())
          .append(" refusal(s) above. Nothing will be changed.\n");
    } else {
      b.append("Plan: ")
          .append(plan.additions().size())
          .append(" to add (")
          .append(cp)
          .append(" control-plane/etcd, ")
          .append(plan.additions().size() - cp)
          .append(" worker), 0 to change, 0 to remove. ")
          .append(plan.warnings().size())
          .append(" warning(s).\n");
    }
    return b.toString();
  }

  /** " inventory: FILE (FORMAT, N nodes)": where every plan text says its inventory came from. */
  static void inventoryLine(StringBuilder b, ImportedInventory inv) {
    b.append("  inventory: ")
        .append(inv.file())
        .append(" (")
        .append(inv.format().title())
        .append(", ")
        .append(inv.cluster().nodes().size())
        .append(" nodes)\n");
  }

  /**
   * A titled list of plan messages (warnings, refusals), nothing when there is none: every plan
   * text's.
   */
  static void section(StringBuilder b, String title, String mark, List<PlanMessage> messages) {
    if (messages.isEmpty()) {
      return;
    }
    b.append('\n').append(title).append(":\n");
    for (PlanMessage m : messages) {
      b.append("  ").append(mark).append(' ').append(m).append('\n');
    }
  }

  private static String route(Route r) {
    return r.destination() + " via " + r.via();
  }

  private static String roles(List<Role> roles) {
    return roles.stream().map(Role::wireName).collect(Collectors.joining(" + "));
  }

  private static String pad(String s, int w) {
    String v = s == null ? "" : s;
    return v.length() >= w ? v : v + " ".repeat(w - v.length());
  }
}
