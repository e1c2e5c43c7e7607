package dev.graft.server.cli;

import dev.graft.server.inventory.ImportedInventory;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.NodeRemoval;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.RemovalQuorum;

/**
 * Renders a removal (or replacement) plan for people, in the order the removal runs: pre-checks
 * (etcd's live projection, Nodes, orphans), the new control plane when it joins first, each node's
 * steps (workers first), the new one when it joins last, verification; then the quorum projection
 * member by member, warnings, refusals and a one-line verdict.
 */
final class RemovalPlanText {
  private RemovalPlanText() {}

  static String render(
      ImportedInventory inv, String observedFrom, RemovalPlan p, ExpansionPlan addition) {
    StringBuilder b = new StringBuilder();
    String with = p.replaceWith();
    b.append("Graft ")
        .append(with == null ? "removal" : "replacement")
        .append(" plan for cluster \"")
        .append(p.cluster())
        .append("\"\n");
    PlanText.inventoryLine(b, inv);
    b.append("  observed:  ")
        .append(observedFrom)
        .append(": Nodes, etcd members")
        .append(
            p.etcdEndpoints().isEmpty()
                ? ""
                : " (reached through " + String.join(", ", p.etcdEndpoints()) + ")")
        .append('\n');
    int i = 0;
    b.append('\n')
        .append(++i)
        .append(
            ". Pre-checks (nothing changes): etcd's quorum projection on a fresh read,"
                + " the Nodes, what kubeadm left on every staying host; orphans ")
        .append(
            p.cleanOrphans()
                ? "are removed after an operator approves approve/orphans"
                : "are reported only (--clean-orphans removes them after approval)")
        .append('\n');
    if (with != null && p.addFirst()) {
      b.append('\n')
          .append(++i)
          .append(". Add control plane ")
          .append(with)
          .append(
              " first (the expansion's steps: pre-checks, etcd gate, join, routes, verification)\n");
    }
    int j = 0;
    for (NodeRemoval n : p.nodes()) {
      if (j == 0) {
        b.append('\n')
            .append(++i)
            .append(". Nodes, one at a time")
            .append(p.unreachable() ? " (unreachable: no drain, no kubeadm reset)" : "")
            .append('\n');
      }
      b.append("   ").append(i).append('.').append(++j).append(' ').append(line(n, p)).append('\n');
    }
    if (with != null && !p.addFirst()) {
      b.append('\n')
          .append(++i)
          .append(". Add control plane ")
          .append(with)
          .append(" once the old one is gone (the expansion's steps)\n");
    }
    b.append('\n')
        .append(++i)
        .append(". Verification: etcd healthy without the removed members; their Nodes gone\n");
    if (!p.quorum().isEmpty()) {
      b.append("\netcd quorum projection (the member gone and one more failure):\n");
      for (RemovalQuorum.Projection q : p.quorum()) {
        b.append("  ")
            .append(q.allowed() ? (q.overridden() ? "!" : "-") : "x")
            .append(' ')
            .append(q.message())
            .append('\n');
      }
    }
    if (p.leaderMove() != null) {
      b.append("\nLeader: ").append(p.leaderMove()).append('\n');
    }
    PlanText.section(b, "Warnings", "!", p.warnings());
    PlanText.section(b, "Refusals", "x", p.refusals());
    if (addition != null) {
      PlanText.section(b, "Adding " + with + ": warnings", "!", addition.warnings());
    }
    b.append('\n');
    if (p.refused()) {
      b.append("Plan REFUSED: ")
          .append(p.refusals().size())
          .append(" refusal(s) above. Nothing will be changed.\n");
    } else {
      long orphans = p.warnings().stream().filter(w -> w.code().startsWith("orphan-")).count();
      b.append("Plan: ")
          .append(
              p.nodes().isEmpty() ? "no node to remove" : p.nodes().size() + " node(s) to remove")
          .append(with == null ? "" : ", " + with + " to add")
          .append("; ")
          .append(orphans)
          .append(" orphan(s) found")
          .append(". ")
          .append(p.warnings().size())
          .append(" warning(s).\n");
    }
    return b.toString();
  }

  private static String line(NodeRemoval n, RemovalPlan p) {
    StringBuilder b =
        new StringBuilder(n.name())
            .append(" (")
            .append(n.controlPlane() ? "control plane" : "worker")
            .append(
                n.etcdMember()
                    ? ", etcd member "
                        + n.memberId()
                        + (n.leader() ? ", the leader" : "")
                        + (n.memberHealthy() ? "" : ", unhealthy")
                    : "")
            .append(n.inApi() ? "" : ", no Node")
            .append("): ");
    b.append(p.unreachable() ? "cordon (pods left named)" : "cordon and drain");
    if (n.leader()) {
      b.append(", move etcd leadership");
    }
    if (n.etcdMember()) {
      b.append(", remove etcd member ").append(n.memberId()).append(" by id");
    }
    if (n.controlPlane() || n.etcdMember()) {
      b.append(", drop it from every staying kube-apiserver's --etcd-servers");
    }
    b.append(p.unreachable() ? "" : ", kubeadm reset -f")
        .append(", delete the Node, drop its pod routes, revoke its bootstrap tokens");
    return b.toString();
  }
}
