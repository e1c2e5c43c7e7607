package dev.graft.workflows.routing;

/**
 * A node of the cluster as routing sees it, after allocation.
 *
 * @param nodeIp the address pod routes to this node point at (null when unknown)
 * @param podCidr its {@code spec.podCIDR} (null when it has none)
 * @param allocatedNow true when this run recorded the block; false when the node already held it
 */
public record NodePodCidr(String node, String nodeIp, String podCidr, boolean allocatedNow) {}
