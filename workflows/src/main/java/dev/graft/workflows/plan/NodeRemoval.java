package dev.graft.workflows.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.graft.workflows.model.NodeSpec;

/**
 * One node the plan removes, with what the cluster said of it when the plan was made.
 *
 * @param node the inventory's node, SSH settings layered over the cluster's
 * @param controlPlane whether it runs a kube-apiserver (its manifest is dropped from the others')
 * @param inApi whether a Node object of that name existed
 * @param memberId its etcd member's id in hex (matched by peer URL host, never by name), or null
 * @param peerUrl that member's peer URL; the removal checks the id still carries it
 * @param clientUrl that member's client URL (what the other apiservers' --etcd-servers may list)
 * @param leader the member led etcd when the plan was made
 * @param podCidr its Node's spec.podCIDR: the routes to it that the other nodes drop
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeRemoval(
    NodeSpec node,
    boolean controlPlane,
    boolean inApi,
    String memberId,
    String memberName,
    String peerUrl,
    String clientUrl,
    boolean leader,
    boolean memberHealthy,
    String podCidr) {
  public String name() {
    return node.name();
  }

  public boolean etcdMember() {
    return memberId != null;
  }
}
