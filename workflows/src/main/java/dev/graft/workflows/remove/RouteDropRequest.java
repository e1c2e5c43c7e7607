package dev.graft.workflows.remove;

import dev.graft.workflows.model.NodeSpec;

/**
 * On {@code on}: drop the pod route Graft installed to the removed node ({@code goneCidr} via
 * {@code goneAddress}, proto 213) and its line in the node's boot config.
 */
public record RouteDropRequest(
    String cluster, NodeSpec on, String goneNode, String goneAddress, String goneCidr) {}
