package dev.graft.workflows.plan;

import java.util.List;

/** What exists today: the nodes registered in the API and the etcd members. */
public record ObservedCluster(List<ObservedNode> nodes, List<EtcdMember> etcdMembers) {
  public static final ObservedCluster EMPTY = new ObservedCluster(List.of(), List.of());

  public ObservedCluster {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    etcdMembers = etcdMembers == null ? List.of() : List.copyOf(etcdMembers);
  }
}
