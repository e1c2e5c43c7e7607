package dev.graft.workflows.expand;

import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.ExecutionPolicy;
import java.util.List;

/**
 * One call into the {@link EtcdStage}.
 *
 * @param operationId the expansion's workflow id (children of the stage are named under it)
 * @param node the node the call is about (SSH settings layered); null for {@code refusal} and
 *     {@code verify}
 * @param newMembers the nodes that bring a new etcd member, in plan order, without excluded ones
 * @param controlPlanes every control-plane node once the expansion has run, without the excluded
 *     ones (their API servers must list every etcd endpoint)
 * @param expectedVoters the voting members the plan ends with, without excluded nodes
 * @param allEndpoints the client URLs of every member the plan ends with (etcd's endpoints are
 *     those of the members before the expansion)
 * @param caHost an existing node holding the etcd CA (external etcd's certificates), or null
 * @param allowEvenSize the inventory's allowEvenEtcd override
 */
public record EtcdStageRequest(
    String cluster,
    String operationId,
    String kubeconfig,
    EtcdSpec etcd,
    NodeSpec node,
    List<NodeSpec> newMembers,
    List<NodeSpec> controlPlanes,
    int expectedVoters,
    List<String> allEndpoints,
    NodeSpec caHost,
    boolean allowEvenSize,
    ExecutionPolicy policy) {
  public EtcdStageRequest {
    newMembers = newMembers == null ? List.of() : List.copyOf(newMembers);
    controlPlanes = controlPlanes == null ? List.of() : List.copyOf(controlPlanes);
    allEndpoints = allEndpoints == null ? List.of() : List.copyOf(allEndpoints);
  }

  /** The same call about another node. */
  public EtcdStageRequest about(NodeSpec other) {
    return new EtcdStageRequest(
        cluster,
        operationId,
        kubeconfig,
        etcd,
        other,
        newMembers,
        controlPlanes,
        expectedVoters,
        allEndpoints,
        caHost,
        allowEvenSize,
        policy);
  }
}
