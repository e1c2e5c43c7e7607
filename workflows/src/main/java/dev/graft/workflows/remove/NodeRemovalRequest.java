package dev.graft.workflows.remove;

import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.NodeRemoval;
import dev.graft.workflows.step.ExecutionPolicy;
import java.time.Duration;
import java.util.List;

/**
 * One node's removal, run as a child of the removal operation.
 *
 * @param etcd etcd access through the members that stay
 * @param staying the inventory's nodes that stay (their routes to this node go)
 * @param etcdServers the client URLs of the members that stay: a kube-apiserver whose
 *     --etcd-servers would be left empty gets these
 * @param avoid member ids leadership must not move to (the operation removes them too)
 * @param approveMember the member's removal was accepted only with {@code
 *     --accept-no-fault-tolerance}: an operator approves {@code approve/etcd-member} after the
 *     leader moved, before it goes
 */
public record NodeRemovalRequest(
    String cluster,
    String operationId,
    String kubeconfig,
    EtcdSpec etcd,
    NodeRemoval node,
    List<NodeSpec> staying,
    List<String> etcdServers,
    List<String> avoid,
    boolean unreachable,
    Duration drainTimeout,
    ExecutionPolicy policy,
    boolean approveMember) {
  public NodeRemovalRequest {
    staying = staying == null ? List.of() : List.copyOf(staying);
    etcdServers = etcdServers == null ? List.of() : List.copyOf(etcdServers);
    avoid = avoid == null ? List.of() : List.copyOf(avoid);
  }

  public static String workflowId(String operationId, String nodeName) {
    return operationId + "/node/" + nodeName;
  }
}
