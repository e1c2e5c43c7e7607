package dev.graft.workflows.etcd;

import dev.graft.workflows.model.EtcdSpec;
import java.util.List;

/**
 * The quorum gate before adding {@code peerUrl} (node {@code node}).
 *
 * @param pendingPeerUrls the peer URLs this operation still has to add, this one included: the gate
 *     counts those not yet voters to know the size the operation ends with
 */
public record GateRequest(
    String cluster,
    EtcdSpec etcd,
    String node,
    String peerUrl,
    List<String> pendingPeerUrls,
    boolean allowEvenSize) {
  public GateRequest {
    pendingPeerUrls = pendingPeerUrls == null ? List.of() : List.copyOf(pendingPeerUrls);
  }
}
