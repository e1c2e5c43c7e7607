package dev.graft.workflows.routing;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.step.ExecutionPolicy;
import java.util.LinkedHashMap;
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
 * @param entriesPerBatch how many routes (and, apart, probe targets) the steps of one workflow
 *     history may carry (0: {@link #DEFAULT_ENTRIES_PER_BATCH}). Each node's routes and targets
 *     name every other node, so one history holding every node's grows as n²: 52 MB at 500 nodes,
 *     past Temporal's 50 MB limit. A cluster of more than about √entriesPerBatch nodes is routed in
 *     batches of {@code entriesPerBatch / (n − 1)} nodes, each a child workflow ({@link
 *     #batchChildren()})
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
    ExecutionPolicy policy,
    int entriesPerBatch) {
  public static final int DEFAULT_MAX_PARALLEL = 10;

  /**
   * About 3.5 MB of routes, or 2 MB of probe targets, per history: up to 224 nodes are routed in
   * one workflow; 500 nodes in batches of 100, 1,000 in batches of 50.
   */
  public static final int DEFAULT_ENTRIES_PER_BATCH = 50_000;

  public RoutingRequest {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    verifyTargets = verifyTargets == null ? Map.of() : Map.copyOf(verifyTargets);
    maxParallel = maxParallel <= 0 ? DEFAULT_MAX_PARALLEL : maxParallel;
    policy = policy == null ? ExecutionPolicy.DEFAULTS : policy;
    entriesPerBatch = entriesPerBatch <= 0 ? DEFAULT_ENTRIES_PER_BATCH : entriesPerBatch;
  }

  /** A request with the default batch size. */
  public RoutingRequest(
      String cluster,
      String operationId,
      String kubeconfig,
      PodNetwork podNetwork,
      List<NodeSpec> nodes,
      Map<String, String> verifyTargets,
      int maxParallel,
      boolean verify,
      ExecutionPolicy policy) {
    this(
        cluster,
        operationId,
        kubeconfig,
        podNetwork,
        nodes,
        verifyTargets,
        maxParallel,
        verify,
        policy,
        0);
  }

  /** How many nodes one batch takes on (every node when the cluster needs no batches). */
  @JsonIgnore
  public int nodesPerBatch() {
    return RoutePlan.nodesPerBatch(nodes.size(), entriesPerBatch);
  }

  /** Whether the nodes are routed in batches, each a child workflow, rather than in this one. */
  @JsonIgnore
  public boolean batched() {
    return nodesPerBatch() < nodes.size();
  }

  /**
   * The batch children a batched routing starts, by what they do ("routing-routes-1", …,
   * "routing-verify-1", …), in the order it starts them; empty when it needs none. Only a routed
   * cluster starts them: one whose CNI manages routes starts none.
   */
  @JsonIgnore
  public Map<String, String> batchChildren() {
    Map<String, String> out = new LinkedHashMap<>();
    if (batched()) {
      int count = RoutePlan.slices(nodes, nodesPerBatch()).size();
      for (String what : verify ? List.of(ROUTES, VERIFY) : List.of(ROUTES)) {
        for (int k = 1; k <= count; k++) {
          out.put("routing-" + what + "-" + k, batchId(operationId, what, k));
        }
      }
    }
    return out;
  }

  /** What a routes batch does, in its id: {@code <operationId>/routing/routes-<k>}. */
  public static final String ROUTES = "routes";

  /** What a verify batch does, in its id: {@code <operationId>/routing/verify-<k>}. */
  public static final String VERIFY = "verify";

  public static String batchId(String operationId, String what, int k) {
    return workflowId(operationId) + "/" + what + "-" + k;
  }

  public static String workflowId(String operationId) {
    return operationId + "/routing";
  }
}
