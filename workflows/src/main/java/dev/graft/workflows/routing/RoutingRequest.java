package dev.graft.workflows.routing;

import dev.graft.workflows.join.ExecutionPolicy;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import java.util.List;
import java.util.Map;

/**
 * Route every node's pods to every other node's (the routing phase of an expansion).
 *
 * @param operationId the parent operation's workflow id; this workflow's id is {@code
 *     <operationId>/routing}
 * @param nodes every node Graft reaches over SSH, new and existing, with SSH settings already
 *     layered over the cluster's; adding a node means passing the list with it
 * @param verifyTargets per node, the address a verification pings in its pod CIDR (the lab passes
 *     its test pods); a node without one is pinged at its bridge address
 * @param maxParallel how many nodes are programmed (and verified) at once
 * @param verify whether to run the pod-to-pod verification after programming
 */
public record RoutingRequest(
    String cluster,
    String operationId,
    String kubeconfig,
    PodNetwork podNetwork,
    List<NodeSpec> nodes,
    Map<String, String> verifyTargets,
    int maxParallel,
    boolean verify,
    ExecutionPolicy policy) {
  public static final int DEFAULT_MAX_PARALLEL = 10;

  public RoutingRequest {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    verifyTargets = verifyTargets == null ? Map.of() : Map.copyOf(verifyTargets);
    maxParallel = maxParallel <= 0 ? DEFAULT_MAX_PARALLEL : maxParallel;
    policy = policy == null ? ExecutionPolicy.DEFAULTS : policy;
  }

  public static String workflowId(String operationId) {
    return operationId + "/routing";
  }
}
