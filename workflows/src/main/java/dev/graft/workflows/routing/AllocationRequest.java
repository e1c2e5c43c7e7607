package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import java.util.List;

/**
 * Allocate and record a pod CIDR for every node in {@code nodes} that has none in the API.
 *
 * @param nodes the nodes Graft routes; each must be registered. Their {@code podCidr} (from the
 *     inventory) is honoured when free; their {@code ip} picks the route address
 */
public record AllocationRequest(
    String cluster, String kubeconfig, PodNetwork podNetwork, List<NodeSpec> nodes) {
  public AllocationRequest {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }
}
