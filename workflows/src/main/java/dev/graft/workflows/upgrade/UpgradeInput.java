package dev.graft.workflows.upgrade;

import dev.graft.workflows.model.ClusterSpec;
import java.time.Duration;
import java.util.List;

/**
 * What the upgrade planner reads: the inventory's cluster, what the cluster says of itself, and
 * what the SRE asked for.
 *
 * @param apiServerVersion kubeadm-config's kubernetesVersion (the control plane's version)
 * @param nodes every Node in the API with the version its kubelet reports and whether it is Ready
 * @param to the target version, {@code vX.Y.Z}
 * @param maxUnavailable workers upgraded at once: a count ("2") or a percentage of the workers
 *     ("25%")
 */
public record UpgradeInput(
    ClusterSpec cluster,
    String apiServerVersion,
    List<ObservedVersion> nodes,
    String to,
    String maxUnavailable,
    Duration drainTimeout) {
  /** A Node's kubelet version and readiness, as the API reports them. */
  public record ObservedVersion(String name, String kubeletVersion, boolean ready) {}
}
