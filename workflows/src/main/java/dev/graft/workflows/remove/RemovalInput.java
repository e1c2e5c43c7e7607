package dev.graft.workflows.remove;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ObservedNode;
import java.time.Duration;
import java.util.List;

/**
 * What the removal planner reads: the inventory's cluster (every node it lists, those removed
 * included, with SSH settings), the nodes to remove, and the cluster as it is.
 *
 * @param nodes every Node in the API
 * @param ready the names of the Nodes that are Ready
 * @param members etcd's member list with each member's health
 * @param leaderId the etcd leader's member id in hex, or null when unknown
 * @param acceptNoFaultTolerance the operator accepts a removal that leaves etcd no fault tolerance
 *     (the strict projection's refusal becomes a warning and an approval before the member goes)
 */
public record RemovalInput(
    ClusterSpec cluster,
    List<String> remove,
    boolean unreachable,
    List<ObservedNode> nodes,
    List<String> ready,
    List<EtcdMember> members,
    String leaderId,
    Duration drainTimeout,
    boolean cleanOrphans,
    boolean acceptNoFaultTolerance) {
  public RemovalInput {
    remove = remove == null ? List.of() : List.copyOf(remove);
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    ready = ready == null ? List.of() : List.copyOf(ready);
    members = members == null ? List.of() : List.copyOf(members);
  }
}
