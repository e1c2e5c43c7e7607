package dev.graft.server.operations;

import java.util.List;

/**
 * The body of {@code POST /api/v1/operations}. Paths are references to files the server (and its
 * workers) can read; no key material travels in a request.
 *
 * @param kind "expand" or "upgrade"
 * @param requestId the client's idempotency key ({@code [A-Za-z0-9][A-Za-z0-9._-]{0,62}}): the same
 *     requestId is the same operation, and a retried POST starts nothing new
 * @param inventory the inventory, inline or as a path
 * @param kubeconfig path of an admin kubeconfig: the cluster is read from it (kubeadm-config,
 *     cluster-info, Nodes, etcd members) and the workers use it
 * @param knownHosts path of an OpenSSH known_hosts file, for every node without its own
 * @param ssh SSH settings that win over the inventory's
 * @param upgrade what an upgrade asks for (with kind "upgrade" only)
 * @param remove what a removal asks for (with kind "remove" only)
 */
public record ExpandRequest(
    String kind,
    String requestId,
    Inventory inventory,
    String kubeconfig,
    String knownHosts,
    Ssh ssh,
    Options options,
    Upgrade upgrade,
    Remove remove) {

  /**
   * @param text the inventory itself (as {@code POST /api/v1/plans} takes it)
   * @param format {@code kubespray-ini}, {@code kubespray-yaml}, {@code graft-yaml}, {@code
   *     metalk8s}, or null to tell from {@code file} and the content
   * @param file the name the operator knows the inventory by (shown in errors), default {@code
   *     inventory}
   * @param path instead of text: a file the server reads
   */
  public record Inventory(String text, String format, String file, String path) {}

  /** Overrides of the inventory's SSH settings, for every node. */
  public record Ssh(String user, Integer port, String keyFile) {}

  /**
   * @param to the target version, {@code vX.Y.Z}
   * @param maxUnavailable workers upgraded at once: a count ("2") or a percentage ("25%"); default
   *     1
   * @param drainTimeout how long a node's drain may take: "90s", "5m", "1h" (default 5m)
   */
  public record Upgrade(String to, String maxUnavailable, String drainTimeout) {}

  /**
   * @param nodes the nodes to remove (names the inventory lists)
   * @param unreachable the nodes cannot be reached: no drain (the pods left are named), no reset
   * @param drainTimeout how long a node's drain may take: "90s", "5m", "1h" (default 5m)
   * @param cleanOrphans remove the orphans the pre-check finds, once an operator approves them
   */
  /**
   * @param with a replacement ({@code graft replace}): the control plane that takes the place of
   *     the one node {@code nodes} names, in the same operation
   * @param acceptNoFaultTolerance accept a removal that leaves etcd's quorum whole but no failure
   *     to spare (a healthy 3 -> 2): a warning, and an approval before the member goes
   */
  public record Remove(
      List<String> nodes,
      Boolean unreachable,
      String drainTimeout,
      Boolean cleanOrphans,
      Boolean acceptNoFaultTolerance,
      String with) {
    public Remove(
        List<String> nodes, Boolean unreachable, String drainTimeout, Boolean cleanOrphans) {
      this(nodes, unreachable, drainTimeout, cleanOrphans, null, null);
    }
  }

  public record Options(
      Boolean requireApproval,
      Boolean approveEachControlPlane,
      Integer maxParallel,
      Boolean excludeFailedPrechecks) {}
}
