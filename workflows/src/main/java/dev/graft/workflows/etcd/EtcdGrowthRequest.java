package dev.graft.workflows.etcd;

import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/**
 * Grow one cluster's etcd by {@code members}, one at a time.
 *
 * @param etcd endpoints of the current members and the worker's client TLS files; its topology
 *     decides what Graft does: EXTERNAL installs and adds each member, STACKED verifies members
 *     kubeadm just joined
 * @param members the new members' nodes (SSH settings layered); external: etcd hosts; stacked:
 *     control-plane nodes that have joined
 * @param ca the etcd CA (external only)
 * @param controlPlanes nodes whose kube-apiserver manifest lists the etcd servers (external only)
 */
public record EtcdGrowthRequest(
    String cluster,
    EtcdSpec etcd,
    List<NodeSpec> members,
    EtcdCaRef ca,
    List<NodeSpec> controlPlanes,
    EtcdPolicy policy) {
  public EtcdGrowthRequest {
    members = members == null ? List.of() : List.copyOf(members);
    controlPlanes = controlPlanes == null ? List.of() : List.copyOf(controlPlanes);
    policy = policy == null ? EtcdPolicy.DEFAULTS : policy;
  }
}
