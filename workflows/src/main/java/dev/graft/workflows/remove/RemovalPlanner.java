package dev.graft.workflows.remove;

import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.NodeRemoval;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.RemovalQuorum;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Plans a removal (pure). Refuses what would lose etcd's quorum ({@link RemovalQuorum}: the removed
 * members gone and one more failure), removing the last control plane, a node the inventory does
 * not describe; warns on an even member count at the end and when a removed member leads etcd
 * (leadership moves first). A node's etcd member is found by the host of its peer URL, never by
 * name: "node1" must not match "node10".
 */
public final class RemovalPlanner {
  /** A Kubernetes node name (DNS-1123 subdomain): what may reach a command or an API path. */
  public static final Pattern NODE_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  private RemovalPlanner() {}

  public static RemovalPlan plan(RemovalInput in) {
    List<PlanMessage> refusals = new ArrayList<>();
    List<PlanMessage> warnings = new ArrayList<>();
    Map<String, NodeSpec> inventory = new HashMap<>();
    in.cluster().nodes().forEach(n -> inventory.put(n.name(), n));
    Map<String, ObservedNode> api = new HashMap<>();
    in.nodes().forEach(n -> api.put(n.name(), n));
    Set<String> removing = new LinkedHashSet<>();
    if (in.remove().isEmpty() && !in.cleanOrphans()) {
      refusals.add(
          new PlanMessage(
              "RemoveNothing",
              null,
              "name at least one node to remove (--node N), or ask"
                  + " for the orphans only (--clean-orphans: what earlier changes left behind, after an approval)"));
    }
    List<NodeRemoval> workers = new ArrayList<>();
    List<NodeRemoval> controlPlanes = new ArrayList<>();
    for (String name : in.remove()) {
      if (name == null || name.length() > 253 || !NODE_NAME.matcher(name).matches()) {
        refusals.add(
            new PlanMessage(
                "InvalidNodeName", null, "'" + name + "' is not a node name (DNS-1123 subdomain)"));
        continue;
      }
      if (!removing.add(name)) {
        continue;
      }
      NodeSpec n = inventory.get(name);
      if (n == null) {
        refusals.add(
            new PlanMessage(
                "RemoveNodeNotInInventory",
                name,
                "the inventory does not list "
                    + name
                    + ": Graft reaches a node, and the others' routes to it, through the inventory; add it (address and"
                    + " roles) and plan again"));
        continue;
      }
      ObservedNode seen = api.get(name);
      EtcdMember m = memberOf(n, in.members());
      boolean cp =
          n.hasRole(Role.CONTROL_PLANE)
              || (seen != null && seen.roles().contains(Role.CONTROL_PLANE));
      if (seen == null && m == null) {
        warnings.add(
            new PlanMessage(
                "RemoveNodeAlreadyGone",
                name,
                "the cluster has no Node "
                    + name
                    + " and no etcd member on its address: its steps will find their work done (reset and routes still run)"));
      }
      NodeSpec layered = in.cluster().layered(n);
      NodeRemoval r =
          new NodeRemoval(
              layered,
              cp,
              seen != null,
              m == null ? null : m.id(),
              m == null ? null : m.name(),
              m == null ? null : m.peerUrl(),
              m == null ? null : clientUrlFor(m),
              m != null && m.id() != null && m.id().equals(in.leaderId()),
              m != null && m.healthy(),
              seen == null ? n.podCidr() : seen.podCidr() != null ? seen.podCidr() : n.podCidr());
      (cp || m != null ? controlPlanes : workers).add(r);
    }
    List<NodeRemoval> ordered = new ArrayList<>(workers);
    ordered.addAll(controlPlanes);

    List<NodeSpec> staying =
        in.cluster().nodes().stream()
            .filter(n -> !removing.contains(n.name()))
            .map(n -> in.cluster().layered(n))
            .toList();
    boolean controlPlaneStays =
        in.nodes().stream()
                .anyMatch(
                    o -> !removing.contains(o.name()) && o.roles().contains(Role.CONTROL_PLANE))
            || staying.stream()
                .anyMatch(n -> n.hasRole(Role.CONTROL_PLANE) && api.containsKey(n.name()));
    if (!controlPlanes.isEmpty() && !controlPlaneStays) {
      refusals.add(
          new PlanMessage(
              "RemoveLastControlPlane",
              null,
              "no control plane would be left ("
                  + controlPlanes.stream().map(NodeRemoval::name).toList()
                  + " are the last): the cluster would have no"
                  + " API server; replace one instead (graft replace --node OLD --with NEW)"));
    }

    List<RemovalQuorum.Voter> voters = RemovalQuorum.voters(in.members());
    List<String> ids =
        ordered.stream().filter(NodeRemoval::etcdMember).map(NodeRemoval::memberId).toList();
    List<RemovalQuorum.Projection> quorum =
        RemovalQuorum.project(voters, ids, in.acceptNoFaultTolerance());
    for (RemovalQuorum.Projection p : quorum) {
      if (p.overridden()) {
        warnings.add(new PlanMessage("RemovalNoFaultTolerance", p.member(), p.message()));
      } else if (!p.allowed()) {
        refusals.add(new PlanMessage("RemovalLosesQuorum", p.member(), p.message()));
      } else if (!p.learner() && !p.removedHealthy()) {
        warnings.add(new PlanMessage("RemoveUnhealthyMember", p.member(), p.message()));
      }
    }
    int votersAfter =
        quorum.isEmpty()
            ? (int) voters.stream().filter(v -> !v.learner()).count()
            : quorum.get(quorum.size() - 1).votersAfter();
    if (!quorum.isEmpty() && votersAfter > 0 && votersAfter % 2 == 0) {
      warnings.add(
          new PlanMessage(
              "EtcdEvenMemberCount",
              null,
              "etcd ends with "
                  + votersAfter
                  + " voters, an even count: it tolerates no more failures than "
                  + (votersAfter - 1)
                  + " would; remove one more or add one (graft expand)"));
    }
    String leaderMove = null;
    for (NodeRemoval r : ordered) {
      if (r.leader()) {
        String to =
            voters.stream()
                .filter(v -> !v.learner() && v.healthy() && !ids.contains(v.id()))
                .map(v -> v.name() + " (" + v.id() + ")")
                .findFirst()
                .orElse("another healthy voter");
        leaderMove =
            "etcd leader "
                + r.memberName()
                + " ("
                + r.memberId()
                + ") hands leadership to "
                + to
                + " before its member is removed";
        warnings.add(new PlanMessage("EtcdLeaderMoves", r.name(), leaderMove));
      }
    }
    for (ObservedNode o : in.nodes()) {
      if (!inventory.containsKey(o.name())) {
        warnings.add(
            new PlanMessage(
                "NodeNotInInventory",
                o.name(),
                "the cluster has Node "
                    + o.name()
                    + ", which the inventory does not list: its routes to the removed nodes are not cleaned"));
      }
    }
    List<String> endpoints =
        in.members().stream()
            .filter(
                m ->
                    !m.learner() && m.healthy() && !ids.contains(m.id()) && clientUrlFor(m) != null)
            .map(RemovalPlanner::clientUrlFor)
            .sorted()
            .toList();
    List<String> notInCluster =
        staying.stream()
            .filter(n -> !api.containsKey(n.name()) && memberOf(n, in.members()) == null)
            .map(NodeSpec::name)
            .toList();
    if (!notInCluster.isEmpty()) {
      warnings.add(
          new PlanMessage(
              "InventoryNodeNotInCluster",
              null,
              "the inventory lists "
                  + notInCluster
                  + ", which the cluster does not have (no Node, no etcd member): their routes and manifests are not"
                  + " touched; they are looked at for half-joined leftovers only"));
    }
    return new RemovalPlan(
        in.cluster().name(),
        ordered,
        staying,
        quorum,
        leaderMove,
        endpoints,
        in.unreachable(),
        in.cleanOrphans(),
        in.drainTimeout(),
        warnings,
        refusals,
        in.acceptNoFaultTolerance(),
        null,
        false,
        notInCluster);
  }

  /**
   * The member whose peer URL's host is the node's address (its IP, else its SSH address); never by
   * name.
   */
  public static EtcdMember memberOf(NodeSpec n, List<EtcdMember> members) {
    for (EtcdMember m : members) {
      String h = m.peerHost();
      if (h != null && (h.equals(n.routeAddress()) || h.equals(n.address()))) {
        return m;
      }
    }
    return null;
  }

  /** kubeadm's client URL for a member: its peer host on the client port. */
  static String clientUrlFor(EtcdMember m) {
    String h = m.peerHost();
    if (h == null || m.peerUrl() == null) {
      return null;
    }
    String scheme = m.peerUrl().startsWith("http://") ? "http" : "https";
    return scheme + "://" + h + ":" + EtcdSpec.CLIENT_PORT;
  }
}
