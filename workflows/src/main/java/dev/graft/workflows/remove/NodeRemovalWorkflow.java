package dev.graft.workflows.remove;

import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One node's removal ({@code cluster/<c>/remove/<requestId>/node/<name>}): drain (or, with
 * --unreachable, the pods left named), etcd leadership moved off it, its member removed by id,
 * --etcd-servers of the staying control planes, kubeadm reset, the Node deleted, pod routes to it
 * and its own pod network removed, its leftover bootstrap tokens revoked.
 */
@WorkflowInterface
public interface NodeRemovalWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  NodeJoinResult remove(NodeRemovalRequest request);
}
