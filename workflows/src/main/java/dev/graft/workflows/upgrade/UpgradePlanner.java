package dev.graft.workflows.upgrade;

import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.NodeUpgrade;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.UpgradePlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans an upgrade (pure): Kubernetes' version skew rules, the order (control planes one at a time,
 * the first one applying), worker batches of at most {@code maxUnavailable}. What it refuses
 * nothing may start; every refusal names the node and the fix.
 *
 * <p>Skew rules (kubernetes.io/releases/version-skew-policy): the control plane moves one minor at
 * a time and never down; patch upgrades within a minor are allowed; a kubelet is never newer than
 * the API server and at most three minors older.
 */
public final class UpgradePlanner {
  /** How many minors a kubelet may be older than the API server (three since Kubernetes 1.28). */
  static final int KUBELET_MAX_MINORS_BEHIND = 3;

  private UpgradePlanner() {}

  public static UpgradePlan plan(UpgradeInput in) {
    List<PlanMessage> refusals = new ArrayList<>();
    List<PlanMessage> warnings = new ArrayList<>();
    String cluster = in.cluster().name();
    KubeVersion to = KubeVersion.parse(in.to());
    KubeVersion from = KubeVersion.parse(in.apiServerVersion());
    if (to == null) {
      refusals.add(
          new PlanMessage(
              "UpgradeTargetInvalid",
              null,
              "the target version '"
                  + in.to()
                  + "' is not a Kubernetes version: give vMAJOR.MINOR.PATCH, e.g. v1.31.0"));
    }
    if (from == null) {
      refusals.add(
          new PlanMessage(
              "ClusterVersionUnknown",
              null,
              "the cluster's version is unknown (kubeadm-config has no kubernetesVersion): pass --kubeconfig of a kubeadm cluster"));
    }
    if (to != null && from != null) {
      if (to.major() != from.major()) {
        refusals.add(
            new PlanMessage(
                "UpgradeMajor",
                null,
                "Graft upgrades within major version "
                    + from.major()
                    + " only; "
                    + to
                    + " is another major"));
      } else if (to.compareTo(from) < 0) {
        refusals.add(
            new PlanMessage(
                "UpgradeDowngrade",
                null,
                "the cluster runs "
                    + from
                    + "; "
                    + to
                    + " would be a downgrade, which kubeadm does not support (restore the etcd snapshot instead)"));
      } else if (to.minorsAbove(from) > 1) {
        refusals.add(
            new PlanMessage(
                "UpgradeSkipsMinor",
                null,
                "the cluster runs "
                    + from
                    + "; "
                    + to
                    + " skips a minor version: upgrade to v"
                    + from.major()
                    + "."
                    + (from.minor() + 1)
                    + ".x first"));
      }
    }
    Map<String, UpgradeInput.ObservedVersion> observed = new HashMap<>();
    for (UpgradeInput.ObservedVersion o : in.nodes()) {
      observed.put(o.name(), o);
    }
    List<NodeUpgrade> controlPlanes = new ArrayList<>();
    List<NodeUpgrade> workers = new ArrayList<>();
    for (NodeSpec n : in.cluster().nodes()) {
      UpgradeInput.ObservedVersion o = observed.remove(n.name());
      if (o == null) {
        refusals.add(
            new PlanMessage(
                "UpgradeNodeNotInCluster",
                n.name(),
                "the inventory lists "
                    + n.name()
                    + " but the cluster has no such Node: join it (graft expand) or remove it from the inventory"));
        continue;
      }
      KubeVersion kubelet = KubeVersion.parse(o.kubeletVersion());
      if (kubelet == null) {
        refusals.add(
            new PlanMessage(
                "KubeletVersionUnknown",
                n.name(),
                "the kubelet reports version '"
                    + o.kubeletVersion()
                    + "', which is not a Kubernetes version"));
      } else if (to != null && kubelet.compareTo(to) > 0) {
        refusals.add(
            new PlanMessage(
                "KubeletNewerThanTarget",
                n.name(),
                "its kubelet runs "
                    + kubelet
                    + ", newer than the target "
                    + to
                    + ": a kubelet must never be newer than the API server"));
      } else if (to != null && to.minorsAbove(kubelet) > KUBELET_MAX_MINORS_BEHIND) {
        refusals.add(
            new PlanMessage(
                "KubeletSkewTooLarge",
                n.name(),
                "its kubelet runs "
                    + kubelet
                    + ", more than "
                    + KUBELET_MAX_MINORS_BEHIND
                    + " minors behind "
                    + to
                    + ": upgrade it to at least v"
                    + to.major()
                    + "."
                    + (to.minor() - KUBELET_MAX_MINORS_BEHIND)
                    + " first"));
      }
      if (!o.ready()) {
        refusals.add(
            new PlanMessage(
                "UpgradeNodeNotReady",
                n.name(),
                n.name()
                    + " is not Ready: fix it (journalctl -u kubelet) or remove it first; an upgrade starts from a healthy cluster"));
      }
      boolean cp = n.hasRole(Role.CONTROL_PLANE);
      boolean atTarget = to != null && kubelet != null && kubelet.compareTo(to) == 0;
      // The activities reach the node with what the plan carries: its SSH settings layered over
      // the cluster's (key, known hosts, user), as an expansion's inputs do.
      NodeSpec layered = in.cluster().layered(n);
      NodeUpgrade u =
          new NodeUpgrade(layered, o.kubeletVersion(), cp, cp && controlPlanes.isEmpty(), atTarget);
      (cp ? controlPlanes : workers).add(u);
    }
    for (String name : observed.keySet().stream().sorted().toList()) {
      warnings.add(
          new PlanMessage(
              "NodeNotInInventory",
              name,
              "the cluster has Node "
                  + name
                  + ", which the inventory does not list: it will not be upgraded (its kubelet stays at "
                  + observed.get(name).kubeletVersion()
                  + "; add it to the inventory to upgrade it)"));
    }
    if (controlPlanes.isEmpty()) {
      refusals.add(
          new PlanMessage(
              "NoControlPlane",
              null,
              "the inventory has no control-plane node of the cluster: kubeadm upgrade apply runs on one"));
    }
    int batch = batchSize(in.maxUnavailable(), workers.size(), refusals);
    List<List<NodeUpgrade>> batches = new ArrayList<>();
    for (int i = 0; i < workers.size(); i += batch) {
      batches.add(workers.subList(i, Math.min(workers.size(), i + batch)));
    }
    String snapshotNode = null;
    if (in.cluster().etcd().topology() == EtcdTopology.EXTERNAL) {
      snapshotNode =
          in.cluster().nodes().stream()
              .filter(n -> n.hasRole(Role.ETCD))
              .map(NodeSpec::name)
              .findFirst()
              .orElse(null);
      if (snapshotNode == null) {
        warnings.add(
            new PlanMessage(
                "EtcdSnapshotElsewhere",
                null,
                "etcd is external and the inventory lists no etcd"
                    + " node: take an etcd snapshot yourself before approving (etcdctl snapshot save)"));
      }
    } else if (!controlPlanes.isEmpty()) {
      snapshotNode = controlPlanes.get(0).node().name();
    }
    if (to != null
        && from != null
        && to.compareTo(from) == 0
        && controlPlanes.stream().allMatch(NodeUpgrade::atTarget)
        && workers.stream().allMatch(NodeUpgrade::atTarget)) {
      warnings.add(
          new PlanMessage(
              "UpgradeNothingToDo",
              null,
              "every node already runs " + to + ": each node's steps will find their work done"));
    }
    return new UpgradePlan(
        cluster,
        from == null ? in.apiServerVersion() : from.toString(),
        to == null ? in.to() : to.toString(),
        controlPlanes,
        batches,
        snapshotNode,
        batch,
        in.drainTimeout(),
        warnings,
        refusals);
  }

  /** "2" → 2, "25%" of n workers → ceil, at least 1; anything else is a refusal (and 1). */
  static int batchSize(String maxUnavailable, int workers, List<PlanMessage> refusals) {
    String m = maxUnavailable == null || maxUnavailable.isBlank() ? "1" : maxUnavailable.trim();
    try {
      if (m.endsWith("%")) {
        int p = Integer.parseInt(m.substring(0, m.length() - 1));
        if (p < 1 || p > 100) {
          throw new NumberFormatException();
        }
        return Math.max(1, (int) Math.ceil(workers * p / 100.0));
      }
      int n = Integer.parseInt(m);
      if (n < 1 || n > 1000) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      refusals.add(
          new PlanMessage(
              "MaxUnavailableInvalid",
              null,
              "--max-unavailable '"
                  + maxUnavailable
                  + "' is neither a count (1..1000) nor a percentage (1%..100%)"));
      return 1;
    }
  }
}
