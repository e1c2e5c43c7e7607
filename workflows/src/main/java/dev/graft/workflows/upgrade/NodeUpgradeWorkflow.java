package dev.graft.workflows.upgrade;

import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One node's upgrade ({@code cluster/<c>/upgrade/<requestId>/node/<name>}): check (already at the
 * target and Ready: every step already-satisfied), kubeadm package, kubeadm upgrade apply|node,
 * drain, kubelet and kubectl packages with a kubelet restart, wait Ready at the target, uncordon.
 */
@WorkflowInterface
public interface NodeUpgradeWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  NodeJoinResult upgrade(NodeUpgradeRequest request);
}
