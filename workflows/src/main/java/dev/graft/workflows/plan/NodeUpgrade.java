package dev.graft.workflows.plan;

import dev.graft.workflows.model.NodeSpec;

/**
 * One node in an upgrade plan.
 *
 * @param kubeletVersion what the node's kubelet reports now (Node.status.nodeInfo.kubeletVersion)
 * @param first the control-plane node that runs {@code kubeadm upgrade apply}; the others run
 *     {@code kubeadm upgrade node}
 * @param atTarget the node already reports the target version (its steps will find their work done;
 *     the workflow still checks, since a plan is a prediction)
 */
public record NodeUpgrade(
    NodeSpec node, String kubeletVersion, boolean controlPlane, boolean first, boolean atTarget) {}
