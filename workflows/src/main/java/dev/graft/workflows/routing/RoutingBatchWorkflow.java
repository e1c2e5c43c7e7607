package dev.graft.workflows.routing;

import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One batch of a large cluster's routing: the {@code routes/<node>} steps, or the {@code
 * verify/<node>} steps, of a slice of its nodes, as a child of the {@link RoutingWorkflow}. Every
 * node's routes and probe targets name every other node, so the routing of n nodes carries n²
 * entries: batches keep each history to a bounded share of them ({@link
 * RoutingRequest#entriesPerBatch()}). Its steps park for operators like any other; its id is {@code
 * <operationId>/routing/routes-<k>} or {@code …/verify-<k>}, listed in the operation's children.
 */
@WorkflowInterface
public interface RoutingBatchWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  RoutingBatchResult run(RoutingBatchRequest request);
}
