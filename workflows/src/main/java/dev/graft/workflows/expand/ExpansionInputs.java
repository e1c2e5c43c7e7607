package dev.graft.workflows.expand;

import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.PrecheckRequest;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.NodeAddition;
import dev.graft.workflows.plan.Phase;
import dev.graft.workflows.plan.PhaseKind;
import dev.graft.workflows.plan.PlanStep;
import dev.graft.workflows.routing.RoutingRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the expansion's children and activities get, derived from one {@link OperationRequest}
 * (pure: the same request gives the same inputs, so workflow code may use it). Every node carries
 * its SSH settings layered over the cluster's, and a new node the pod CIDR the plan gave it.
 */
final class ExpansionInputs {
  private final OperationRequest request;
  private final ClusterSpec cluster;
  private final Map<String, NodeSpec> nodes = new LinkedHashMap<>();

  /**
   * Names more than one node of the cluster-to-be holds (existing or inventory): see
   * otherHostnames.
   */
  private final Set<String> collisions = new LinkedHashSet<>();

  ExpansionInputs(OperationRequest request) {
    this.request = request;
    this.cluster = request.cluster();
    Map<String, String> cidrs = new LinkedHashMap<>();
    for (NodeAddition a : request.plan().additions()) {
      if (a.podCidr() != null) {
        cidrs.put(a.name(), a.podCidr());
      }
    }
    for (NodeSpec n : cluster.nodes()) {
      NodeSpec layered =
          cluster.layered(n).withPodCidr(n.podCidr() != null ? n.podCidr() : cidrs.get(n.name()));
      nodes.put(n.name(), layered);
    }
    Set<String> existing = new HashSet<>(request.plan().existingNodes());
    Set<String> listed = new HashSet<>();
    for (NodeSpec n : cluster.nodes()) {
      if (!listed.add(n.name()) && !existing.contains(n.name())) {
        collisions.add(n.name()); // listed twice in the inventory
      }
    }
    for (NodeAddition a : request.plan().additions()) {
      if (existing.contains(a.name())) {
        collisions.add(a.name()); // added, yet a node of the cluster already has the name
      }
    }
  }

  String operationId() {
    return request.operationId();
  }

  NodeSpec node(String name) {
    NodeSpec n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("the plan names " + name + ", which the inventory lacks");
    }
    return n;
  }

  /** The new nodes, in the order the plan adds them. */
  List<NodeSpec> newNodes() {
    return request.plan().additions().stream().map(a -> node(a.name())).toList();
  }

  /** The nodes of a phase, in its order (empty when the plan has no such phase). */
  List<NodeSpec> phaseNodes(PhaseKind kind) {
    Phase p = request.plan().phase(kind);
    if (p == null) {
      return List.of();
    }
    Set<String> names = new LinkedHashSet<>();
    for (PlanStep s : p.steps()) {
      if (s.node() != null) {
        names.add(s.node());
      }
    }
    return names.stream().map(this::node).toList();
  }

  /**
   * An existing control-plane node of the inventory: the clock reference of the pre-checks and the
   * certificate source of control-plane joins; null when the inventory lists none.
   */
  NodeSpec existingControlPlane() {
    Set<String> existing = Set.copyOf(request.plan().existingNodes());
    return nodes.values().stream()
        .filter(n -> existing.contains(n.name()) && n.hasRole(Role.CONTROL_PLANE))
        .findFirst()
        .orElse(null);
  }

  /**
   * The names of other nodes that {@code self}'s hostname could collide with. A pre-check already
   * requires a node's hostname to equal its inventory name, so the only other name that can matter
   * is that same name held by another node: an existing node of the cluster, or a second inventory
   * entry. Those collisions are found once, here, and a node's pre-check gets only its own
   * (normally none) instead of every name in the cluster: the full list, sent to each of n nodes
   * twice (pre-check and join), made the expansion's history grow as n².
   */
  List<String> otherHostnames(String self) {
    return collisions.contains(self) ? List.of(self) : List.of();
  }

  PrecheckRequest precheck(NodeSpec n) {
    return new PrecheckRequest(
        cluster.name(),
        n,
        otherHostnames(n.name()),
        cluster.serviceCidr(),
        existingControlPlane(),
        request.options().policy());
  }

  NodeJoinRequest join(NodeSpec n) {
    return new NodeJoinRequest(
        cluster.name(),
        operationId(),
        cluster.kubeconfig(),
        cluster.apiEndpoint(),
        cluster.serviceCidr(),
        n,
        existingControlPlane(),
        otherHostnames(n.name()),
        request.options().policy());
  }

  /** Routing over every inventory node, existing and new, except those left out. */
  RoutingRequest routing(Set<String> leftOut) {
    List<NodeSpec> routed =
        nodes.values().stream().filter(n -> !leftOut.contains(n.name())).toList();
    return new RoutingRequest(
        cluster.name(),
        operationId(),
        cluster.kubeconfig(),
        cluster.podNetwork(),
        routed,
        request.options().verifyTargets(),
        Math.max(request.options().maxParallel(), RoutingRequest.DEFAULT_MAX_PARALLEL),
        true,
        request.options().policy());
  }

  /** Every node the cluster has once the expansion ran: the existing ones and the new ones kept. */
  NodesReadyRequest nodesReady(Set<String> leftOut) {
    Set<String> all = new LinkedHashSet<>(request.plan().existingNodes());
    for (NodeSpec n : newNodes()) {
      if (!leftOut.contains(n.name())) {
        all.add(n.name());
      }
    }
    return new NodesReadyRequest(cluster.name(), cluster.kubeconfig(), new ArrayList<>(all));
  }

  /** The etcd stage's request (about no node yet), without the nodes left out. */
  EtcdStageRequest etcd(Set<String> leftOut) {
    List<NodeSpec> members = new ArrayList<>();
    for (NodeSpec n : phaseNodes(PhaseKind.CONTROL_PLANE_AND_ETCD)) {
      if (n.hasRole(Role.ETCD) && !leftOut.contains(n.name())) {
        members.add(n);
      }
    }
    List<NodeSpec> controlPlanes =
        nodes.values().stream()
            .filter(n -> n.hasRole(Role.CONTROL_PLANE) && !leftOut.contains(n.name()))
            .toList();
    int removed =
        (int)
            request.plan().additions().stream()
                .filter(a -> a.roles().contains(Role.ETCD) && leftOut.contains(a.name()))
                .count();
    Set<String> existing = Set.copyOf(request.plan().existingNodes());
    List<NodeSpec> existingMembers =
        nodes.values().stream()
            .filter(n -> existing.contains(n.name()) && n.hasRole(Role.ETCD))
            .toList();
    // Reach etcd through the members it has before the expansion: a new node's endpoint answers
    // nothing until its member runs.
    EtcdSpec access =
        cluster.etcd().endpoints().isEmpty()
            ? cluster
                .etcd()
                .withEndpoints(existingMembers.stream().map(EtcdSpec::clientUrl).toList())
            : cluster.etcd();
    List<String> all = new ArrayList<>(access.endpoints());
    members.stream().map(EtcdSpec::clientUrl).filter(u -> !all.contains(u)).forEach(all::add);
    NodeSpec caHost = !existingMembers.isEmpty() ? existingMembers.get(0) : existingControlPlane();
    boolean allowEven = cluster.overrides() != null && cluster.overrides().allowEvenEtcd();
    return new EtcdStageRequest(
        cluster.name(),
        operationId(),
        cluster.kubeconfig(),
        access,
        null,
        members,
        controlPlanes,
        request.plan().etcdMembersAfter() - removed,
        all,
        caHost,
        allowEven,
        request.options().policy());
  }
}
