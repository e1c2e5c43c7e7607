package dev.graft.workflows.upgrade;

import dev.graft.workflows.model.NodeSpec;

/**
 * A step on one node over SSH during an upgrade.
 *
 * @param operationId the upgrade's id: names the etcd snapshot and the detached runs
 * @param first this node runs {@code kubeadm upgrade apply} (the first control plane)
 */
public record UpgradeHostRequest(
    String cluster,
    String operationId,
    NodeSpec node,
    String to,
    boolean controlPlane,
    boolean first) {}
