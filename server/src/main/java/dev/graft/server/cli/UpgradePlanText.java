package dev.graft.server.cli;

import dev.graft.server.inventory.ImportedInventory;
import dev.graft.workflows.plan.NodeUpgrade;
import dev.graft.workflows.plan.UpgradePlan;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders an upgrade plan for people, in the order the upgrade runs: pre-checks, the etcd snapshot,
 * image prefetch, control planes one at a time (the first applies), worker batches, verification;
 * then warnings, refusals with their fixes and a one-line verdict.
 */
final class UpgradePlanText {
  private UpgradePlanText() {}

  static String render(ImportedInventory inv, String observedFrom, UpgradePlan p) {
    StringBuilder b = new StringBuilder();
    List<NodeUpgrade> workers = p.workerBatches().stream().flatMap(List::stream).toList();
    int all = p.controlPlanes().size() + workers.size();
    long atTarget = p.nodes().stream().filter(NodeUpgrade::atTarget).count();
    b.append("Graft upgrade plan for cluster \"")
        .append(p.cluster())
        .append("\": ")
        .append(p.from())
        .append(" -> ")
        .append(p.to())
        .append('\n');
    PlanText.inventoryLine(b, inv);
    b.append("  observed:  ")
        .append(observedFrom)
        .append(": API server ")
        .append(p.from())
        .append('\n');
    int i = 0;
    if (all > 0) {
      b.append('\n')
          .append(++i)
          .append(". Pre-checks on every node and the cluster (nothing changes)\n")
          .append("   - kubeadm, kubelet and kubectl ")
          .append(p.to())
          .append(" available from each node's package manager; disk space; certificate expiry\n")
          .append(
              "   - every node Ready, etcd healthy, no PodDisruptionBudget that would block a drain\n")
          .append("   - kubeadm upgrade plan on ")
          .append(p.controlPlanes().isEmpty() ? "(none)" : p.controlPlanes().get(0).node().name())
          .append('\n');
      b.append('\n')
          .append(++i)
          .append(". etcd snapshot on ")
          .append(
              p.snapshotNode() == null
                  ? "(none: take one yourself, see the warnings)"
                  : p.snapshotNode())
          .append('\n');
      b.append('\n')
          .append(++i)
          .append(". Image prefetch on every node (kubeadm config images pull)\n");
      b.append('\n').append(++i).append(". Control planes, one at a time\n");
      int j = 0;
      for (NodeUpgrade n : p.controlPlanes()) {
        b.append("   ")
            .append(i)
            .append('.')
            .append(++j)
            .append(' ')
            .append(line(n, p))
            .append('\n');
      }
      if (!workers.isEmpty()) {
        b.append('\n')
            .append(++i)
            .append(". Workers: ")
            .append(workers.size())
            .append(" worker")
            .append(workers.size() == 1 ? "" : "s")
            .append(", up to ")
            .append(p.maxUnavailable())
            .append(" at once (drain timeout ")
            .append(duration(p.drainTimeout()))
            .append(")\n");
        j = 0;
        for (List<NodeUpgrade> batch : p.workerBatches()) {
          b.append("   ")
              .append(i)
              .append('.')
              .append(++j)
              .append(" batch ")
              .append(j)
              .append(": ")
              .append(
                  batch.stream()
                      .map(n -> n.node().name() + " (" + version(n, p) + ")")
                      .collect(Collectors.joining(", ")))
              .append('\n');
        }
      }
      b.append('\n')
          .append(++i)
          .append(". Verification: every node Ready with its kubelet at ")
          .append(p.to())
          .append('\n');
    }
    PlanText.section(b, "Warnings", "!", p.warnings());
    PlanText.section(b, "Refusals", "x", p.refusals());
    b.append('\n');
    if (p.refused()) {
      b.append("Plan REFUSED: ")
          .append(p.refusals().size())
          .append(" refusal(s) above. Nothing will be changed.\n");
    } else {
      b.append("Plan: ")
          .append(all)
          .append(" node(s) to upgrade to ")
          .append(p.to())
          .append(" (")
          .append(p.controlPlanes().size())
          .append(" control plane, ")
          .append(workers.size())
          .append(" worker")
          .append(atTarget > 0 ? "; " + atTarget + " already at " + p.to() : "")
          .append("). ")
          .append(p.warnings().size())
          .append(" warning(s).\n");
    }
    return b.toString();
  }

  private static String line(NodeUpgrade n, UpgradePlan p) {
    String how = n.first() ? "kubeadm upgrade apply " + p.to() : "kubeadm upgrade node";
    return n.node().name()
        + " ("
        + version(n, p)
        + "): "
        + how
        + ", drain, kubelet and kubectl "
        + p.to()
        + ", uncordon";
  }

  private static String version(NodeUpgrade n, UpgradePlan p) {
    return n.atTarget() ? "already at " + p.to() : "kubelet " + n.kubeletVersion();
  }

  private static String duration(Duration d) {
    long s = d.toSeconds();
    return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
