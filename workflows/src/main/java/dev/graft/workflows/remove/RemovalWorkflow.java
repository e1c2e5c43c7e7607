package dev.graft.workflows.remove;

import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationSummary;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One removal ({@code cluster/<name>/remove/<requestId>}), run as the cluster workflow's child from
 * {@link OperationRequest#removal()}: pre-checks (etcd's live quorum projection, the Nodes, orphans
 * on every host), optional approval (and the orphans' cleanup, approved apart), then each node one
 * at a time as a {@link NodeRemovalWorkflow} child, then verification. It answers the same queries
 * as an expansion or an upgrade.
 */
@WorkflowInterface
public interface RemovalWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  ExpansionResult remove(OperationRequest request);

  @QueryMethod
  ExpansionProgress progress();

  /**
   * Sent by a node's child when its steps start or stop waiting for an operator; not for clients.
   */
  @SignalMethod(name = AttentionReporter.SIGNAL)
  void childAttention(ChildAttention attention);

  /**
   * Sent by a replacement's expansion child ({@code …/add}) as it would tell a cluster workflow;
   * the removal reports its own progress, so this is heard and dropped (an unhandled signal would
   * sit in the history's buffer). Not for clients.
   */
  @SignalMethod
  void operationProgress(OperationSummary progress);
}
