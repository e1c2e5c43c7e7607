package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.Route;
import java.util.List;

/**
 * The routed pod network of one node: its bridge holds the first address of {@code podCidr},
 * forwarding is open for {@code clusterCidr}, and {@code routes} lead to every other node's pods.
 * Routes Graft installed earlier that are not in {@code routes} are removed.
 */
public record NodeRoutesRequest(
    String cluster, NodeSpec node, String podCidr, String clusterCidr, List<Route> routes) {
  public NodeRoutesRequest {
    routes = routes == null ? List.of() : List.copyOf(routes);
  }
}
