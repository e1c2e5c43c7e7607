package dev.graft.workflows.upgrade;

import dev.graft.workflows.model.NodeSpec;
import java.time.Duration;

/**
 * A step on one node's API objects during an upgrade (read its state, drain, wait for Ready at the
 * target version, uncordon).
 *
 * @param kubeconfig a reference (path) to the admin kubeconfig, resolved by the activity
 * @param timeout the drain timeout, or the Ready wait's
 */
public record UpgradeNodeRequest(
    String cluster, String kubeconfig, NodeSpec node, String to, Duration timeout) {}
