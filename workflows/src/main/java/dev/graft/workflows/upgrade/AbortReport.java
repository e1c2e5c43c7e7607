package dev.graft.workflows.upgrade;

import dev.graft.workflows.plan.NodeUpgrade;
import io.temporal.failure.ActivityFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * What an aborted upgrade leaves on each node it did not finish, read from the node and the API
 * after the abort (abort never downgrades, so the operator needs to know where each node stands):
 * untouched at its old version, half-upgraded (some of packages, manifests and kubelet at the
 * target), or at the target; and whether it is cordoned. Nodes the operation upgraded or found
 * upgraded are not read again.
 */
final class AbortReport {
  private AbortReport() {}

  /**
   * One line per node not finished, each read with its own activities; an unreadable node says so.
   */
  static List<String> read(
      List<NodeUpgrade> nodes,
      Set<String> finished,
      String to,
      UpgradeHostActivities host,
      UpgradeApiActivities api,
      Function<NodeUpgrade, UpgradeHostRequest> onHost,
      Function<NodeUpgrade, UpgradeNodeRequest> onApi) {
    List<String> out = new ArrayList<>();
    for (NodeUpgrade n : nodes) {
      if (finished.contains(n.node().name())) {
        continue;
      }
      try {
        out.add(describe(n, host.observe(onHost.apply(n)), api.nodeState(onApi.apply(n)), to));
      } catch (ActivityFailure e) {
        out.add(
            n.node().name()
                + ": state unknown (could not read it: "
                + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage())
                + ")");
      }
    }
    return out;
  }

  /** One node's state after an abort, with what to do about it (pure). */
  static String describe(NodeUpgrade n, HostVersions host, NodeState api, String to) {
    KubeVersion target = KubeVersion.parse(to);
    String want = target == null ? to : target.upstream();
    List<String> atTarget = new ArrayList<>();
    List<String> before = new ArrayList<>();
    (want.equals(host.kubeadm()) ? atTarget : before).add("kubeadm " + host.kubeadm());
    (want.equals(host.kubelet()) ? atTarget : before).add("kubelet package " + host.kubelet());
    if (n.controlPlane()) {
      boolean manifest =
          target != null && target.equals(KubeVersion.parse(host.apiServerManifest()));
      (manifest ? atTarget : before).add("kube-apiserver manifest " + host.apiServerManifest());
    }
    boolean reports = target != null && target.equals(KubeVersion.parse(api.kubeletVersion()));
    (reports ? atTarget : before).add("kubelet reports " + api.kubeletVersion());
    String health =
        (api.ready() ? "Ready" : "NotReady")
            + (api.unschedulable() ? ", cordoned" : ", schedulable");
    String name = n.node().name();
    if (before.isEmpty()) {
      return name + ": at " + to + " (" + String.join(", ", atTarget) + "), " + health;
    }
    if (atTarget.isEmpty()) {
      return name
          + ": not upgraded, still at "
          + api.kubeletVersion()
          + ", "
          + health
          + (api.unschedulable()
              ? " — uncordon it if Graft's abort could not (kubectl uncordon " + name + ")"
              : "");
    }
    return name
        + ": half-upgraded (at "
        + to
        + ": "
        + String.join(", ", atTarget)
        + "; not yet: "
        + String.join(", ", before)
        + "), "
        + health
        + " — re-submit the upgrade to finish it (it resumes here)";
  }
}
