package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;

/**
 * {@code kubeadm join} of one node. The bootstrap token and, for control-plane nodes, the
 * certificate key are minted and used inside the activity: they never appear here.
 *
 * @param apiEndpoint host:port (or URL) of the control-plane endpoint
 * @param certificateSource an existing control-plane node, over SSH, that uploads the control-plane
 *     certificates for a control-plane join; null for workers
 */
public record JoinRequest(
    String cluster,
    String kubeconfig,
    String apiEndpoint,
    NodeSpec node,
    NodeSpec certificateSource) {}
