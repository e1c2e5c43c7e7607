package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.ExecutionPolicy;
import java.util.List;

/**
 * One node's join, as the expansion starts it.
 *
 * @param operationId the parent operation's workflow id; this workflow's id is {@code
 *     <operationId>/node/<name>}
 * @param node the node, with SSH settings already layered over the cluster's defaults
 * @param controlPlane an existing control-plane node (clock reference; certificate upload for a
 *     control-plane join)
 * @param otherHostnames hostnames of other nodes the node's must differ from (see {@link
 *     PrecheckRequest#otherHostnames()})
 */
public record NodeJoinRequest(
    String cluster,
    String operationId,
    String kubeconfig,
    String apiEndpoint,
    String serviceCidr,
    NodeSpec node,
    NodeSpec controlPlane,
    List<String> otherHostnames,
    ExecutionPolicy policy) {
  public static String workflowId(String operationId, String nodeName) {
    return operationId + "/node/" + nodeName;
  }
}
