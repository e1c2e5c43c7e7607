package dev.graft.workflows.upgrade;

import dev.graft.workflows.plan.NodeUpgrade;
import dev.graft.workflows.step.ExecutionPolicy;
import java.time.Duration;

/** One node's upgrade, run as a child of the upgrade operation. */
public record NodeUpgradeRequest(
    String cluster,
    String operationId,
    String kubeconfig,
    NodeUpgrade node,
    String to,
    Duration drainTimeout,
    ExecutionPolicy policy) {
  public static String workflowId(String operationId, String nodeName) {
    return operationId + "/node/" + nodeName;
  }
}
