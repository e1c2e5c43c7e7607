package dev.graft.workflows.join;

import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One node's way into the cluster: reach, pre-checks, provision, register, join, ready. Each step
 * is an idempotent activity; a step whose retries run out waits for an operator's decision.
 */
@WorkflowInterface
public interface NodeJoinWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  NodeJoinResult join(NodeJoinRequest request);
}
