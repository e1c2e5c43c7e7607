package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.ExecutionPolicy;
import java.util.List;

/**
 * One batch of a large cluster's routing (see {@link RoutingBatchWorkflow}).
 *
 * @param reportTo the operation to tell when a step here waits for an operator (the routing
 *     workflow's parent); null for nobody
 * @param what {@link RoutingRequest#ROUTES} or {@link RoutingRequest#VERIFY}
 * @param nodes the batch's nodes
 * @param podCidrs for routes, every node's pod CIDR (the route table); for verify, the batch's own
 *     nodes' (their probes' addresses)
 * @param targets for verify, every node's test address; empty for routes
 * @param unreachableOnly the verify rows list the unreachable pairs only
 */
public record RoutingBatchRequest(
    String cluster,
    String reportTo,
    String what,
    List<NodeSpec> nodes,
    String clusterCidr,
    List<NodePodCidr> podCidrs,
    List<ProbeTarget> targets,
    boolean unreachableOnly,
    int maxParallel,
    ExecutionPolicy policy) {
  public RoutingBatchRequest {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    podCidrs = podCidrs == null ? List.of() : List.copyOf(podCidrs);
    targets = targets == null ? List.of() : List.copyOf(targets);
    policy = policy == null ? ExecutionPolicy.DEFAULTS : policy;
  }
}
