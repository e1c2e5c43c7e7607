package dev.graft.workflows.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a removal will do, in order: pre-checks (orphans, etcd's live quorum), then each node in
 * {@code nodes} one at a time (workers first): drain, leader move, member removal by id,
 * --etcd-servers on {@code staying} control planes, kubeadm reset, Node delete, routes, tokens;
 * then verification. Refusals mean nothing may start.
 *
 * @param staying the inventory's nodes that stay (their routes and apiserver manifests are edited)
 * @param quorum one projection per etcd member removed, in order
 * @param leaderMove how leadership moves, when a removed member leads; null otherwise
 * @param etcdEndpoints client URLs of the members that stay: the worker reaches etcd through these,
 *     never through a member the operation removes
 * @param unreachable the operator says the nodes cannot be reached: no drain (pods named), no reset
 * @param cleanOrphans orphans the pre-check finds are removed after an operator approves them (gate
 *     {@code approve/orphans}); without it they are reported only
 * @param acceptNoFaultTolerance the operator accepted removals that leave etcd without fault
 *     tolerance: each such member's removal waits for {@code approve/etcd-member} on its node
 * @param replaceWith a replacement ({@code graft replace --node OLD --with NEW}): the control plane
 *     that joins, through the expansion's workflow and the operation's expansion plan; null for a
 *     plain removal
 * @param addFirst for a replacement: NEW joins before OLD is removed (OLD's member is healthy, so
 *     etcd goes 3 -> 4 -> 3); false: OLD (dead) goes first, then NEW joins
 * @param notInCluster staying inventory nodes that are neither a Node nor an etcd member: no step
 *     edits their routes or manifests
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RemovalPlan(
    String cluster,
    List<NodeRemoval> nodes,
    List<NodeSpec> staying,
    List<RemovalQuorum.Projection> quorum,
    String leaderMove,
    List<String> etcdEndpoints,
    boolean unreachable,
    boolean cleanOrphans,
    Duration drainTimeout,
    List<PlanMessage> warnings,
    List<PlanMessage> refusals,
    boolean acceptNoFaultTolerance,
    String replaceWith,
    boolean addFirst,
    List<String> notInCluster) {
  /**
   * The same plan with more warnings (the orphan pre-check's, found where the cluster was read).
   */
  public RemovalPlan withWarnings(List<PlanMessage> more) {
    return more.isEmpty() ? this : replacedBy(replaceWith, addFirst, more, List.of());
  }

  /**
   * The same plan as a replacement by {@code with}, adding it first or last, with more messages.
   */
  public RemovalPlan replacedBy(
      String with, boolean first, List<PlanMessage> moreWarnings, List<PlanMessage> moreRefusals) {
    List<PlanMessage> w = new ArrayList<>(warnings);
    w.addAll(moreWarnings);
    List<PlanMessage> r = new ArrayList<>(refusals);
    r.addAll(moreRefusals);
    return new RemovalPlan(
        cluster,
        nodes,
        staying,
        quorum,
        leaderMove,
        etcdEndpoints,
        unreachable,
        cleanOrphans,
        drainTimeout,
        w,
        r,
        acceptNoFaultTolerance,
        with,
        first,
        notInCluster);
  }

  /** A plain removal (no replacement) without the operator's fault-tolerance override. */
  public RemovalPlan(
      String cluster,
      List<NodeRemoval> nodes,
      List<NodeSpec> staying,
      List<RemovalQuorum.Projection> quorum,
      String leaderMove,
      List<String> etcdEndpoints,
      boolean unreachable,
      boolean cleanOrphans,
      Duration drainTimeout,
      List<PlanMessage> warnings,
      List<PlanMessage> refusals) {
    this(
        cluster,
        nodes,
        staying,
        quorum,
        leaderMove,
        etcdEndpoints,
        unreachable,
        cleanOrphans,
        drainTimeout,
        warnings,
        refusals,
        false,
        null,
        false,
        List.of());
  }

  public RemovalPlan {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    staying = staying == null ? List.of() : List.copyOf(staying);
    quorum = quorum == null ? List.of() : List.copyOf(quorum);
    etcdEndpoints = etcdEndpoints == null ? List.of() : List.copyOf(etcdEndpoints);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    refusals = refusals == null ? List.of() : List.copyOf(refusals);
    notInCluster = notInCluster == null ? List.of() : List.copyOf(notInCluster);
    drainTimeout = drainTimeout == null ? Duration.ofMinutes(5) : drainTimeout;
  }

  public boolean refused() {
    return !refusals.isEmpty();
  }

  /**
   * Whether removing this member was accepted only by the operator's override (it needs an
   * approval).
   */
  public boolean overridden(String memberId) {
    return memberId != null
        && quorum.stream().anyMatch(p -> memberId.equals(p.memberId()) && p.overridden());
  }

  /**
   * The staying nodes that are in the cluster (a Node or an etcd member): their routes and
   * apiserver manifests are edited. Inventory nodes outside it (removed earlier, not joined yet,
   * their hosts perhaps gone) are only looked at for half-joined leftovers.
   */
  public List<NodeSpec> stayingInCluster() {
    return staying.stream().filter(n -> !notInCluster.contains(n.name())).toList();
  }

  /** The control planes that stay: their kube-apiserver manifests lose the removed members. */
  public List<NodeSpec> stayingControlPlanes() {
    return staying.stream().filter(n -> n.hasRole(Role.CONTROL_PLANE)).toList();
  }

  /**
   * How the worker reaches etcd during this removal (pure): the client URLs of the members that
   * stay, and — when etcd is read through control-plane nodes (no client files on the worker) —
   * only through nodes that stay, since a removed control plane loses its certificates to {@code
   * kubeadm reset}.
   */
  public EtcdSpec reach(EtcdSpec etcd) {
    EtcdSpec e = etcdEndpoints.isEmpty() ? etcd : etcd.withEndpoints(etcdEndpoints);
    if (!e.viaNodes()) {
      return e;
    }
    Set<String> removed = new HashSet<>();
    nodes.forEach(n -> removed.add(n.node().name()));
    return e.throughNodes(e.through().stream().filter(n -> !removed.contains(n.name())).toList());
  }
}
