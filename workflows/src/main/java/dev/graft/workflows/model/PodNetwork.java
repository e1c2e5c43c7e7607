package dev.graft.workflows.model;

/**
 * The cluster's pod network: one block ({@code cidr}) split into per-node blocks of prefix length
 * {@code nodeMask} (kube-controller-manager's {@code --node-cidr-mask-size}).
 */
public record PodNetwork(String cidr, int nodeMask) {
  public static final int DEFAULT_NODE_MASK = 24;
}
