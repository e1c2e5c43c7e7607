package dev.graft.workflows.upgrade;

import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One upgrade ({@code cluster/<name>/upgrade/<requestId>}), run as the cluster workflow's child
 * from {@link OperationRequest#upgrade()}: pre-checks on the cluster and every node, an optional
 * approval, the etcd snapshot, image prefetch on every node, control planes one at a time, worker
 * batches, verification. It answers the same queries as an expansion (progress, steps), so the
 * server, the CLI and the UI show both alike; each node's steps live in its {@link
 * NodeUpgradeWorkflow} child, named in {@code progress().children()} as {@code node/<name>}.
 */
@WorkflowInterface
public interface UpgradeWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  ExpansionResult upgrade(OperationRequest request);

  @QueryMethod
  ExpansionProgress progress();

  /**
   * Sent by a node's child when its steps start or stop waiting for an operator; not for clients.
   */
  @SignalMethod(name = AttentionReporter.SIGNAL)
  void childAttention(ChildAttention attention);
}
