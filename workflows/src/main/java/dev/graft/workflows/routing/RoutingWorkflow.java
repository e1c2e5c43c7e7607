package dev.graft.workflows.routing;

import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The pod network in simple routed mode: detect a route-managing CNI, allocate pod CIDRs, program
 * every node (a separate step each, in parallel up to a bound), then verify pod-to-pod traffic
 * between every pair of nodes.
 */
@WorkflowInterface
public interface RoutingWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  RoutingResult route(RoutingRequest request);
}
