package dev.graft.workflows.remove;

import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/**
 * On one control plane that stays: its kube-apiserver manifest's {@code --etcd-servers} loses
 * {@code drop}; a list that would be left empty becomes {@code fallback} (the members that stay).
 */
public record EtcdServersRequest(
    String cluster, NodeSpec controlPlane, List<String> drop, List<String> fallback) {
  public EtcdServersRequest {
    drop = drop == null ? List.of() : List.copyOf(drop);
    fallback = fallback == null ? List.of() : List.copyOf(fallback);
  }
}
