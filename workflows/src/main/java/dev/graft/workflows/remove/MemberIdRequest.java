package dev.graft.workflows.remove;

import dev.graft.workflows.model.EtcdSpec;
import java.util.List;

/**
 * One etcd member, by id (hex). {@code peerUrl} is what the plan saw it carry: a member with that
 * id and another peer URL is refused, never removed. {@code avoid} are members leadership must not
 * move to (the operation removes them too). {@code acceptNoFaultTolerance}: the operator accepted
 * (and approved) a removal the strict projection refuses; the live projection applies it.
 */
public record MemberIdRequest(
    String cluster,
    EtcdSpec etcd,
    String name,
    String memberId,
    String peerUrl,
    List<String> avoid,
    boolean acceptNoFaultTolerance) {
  public MemberIdRequest(
      String cluster,
      EtcdSpec etcd,
      String name,
      String memberId,
      String peerUrl,
      List<String> avoid) {
    this(cluster, etcd, name, memberId, peerUrl, avoid, false);
  }

  public MemberIdRequest {
    avoid = avoid == null ? List.of() : List.copyOf(avoid);
  }
}
