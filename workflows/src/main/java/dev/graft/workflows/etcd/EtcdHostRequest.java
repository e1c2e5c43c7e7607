package dev.graft.workflows.etcd;

import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/**
 * An external etcd member's host: the node (SSH settings layered), the CA reference, the member's
 * name and URLs, and the {@code --initial-cluster} it starts with (empty before it is known).
 */
public record EtcdHostRequest(
    String cluster,
    NodeSpec node,
    EtcdCaRef ca,
    String memberName,
    String peerUrl,
    String clientUrl,
    List<String> initialCluster,
    String etcdBinary) {
  public EtcdHostRequest {
    initialCluster = initialCluster == null ? List.of() : List.copyOf(initialCluster);
  }

  public EtcdHostRequest withInitialCluster(List<String> members) {
    return new EtcdHostRequest(
        cluster, node, ca, memberName, peerUrl, clientUrl, members, etcdBinary);
  }
}
