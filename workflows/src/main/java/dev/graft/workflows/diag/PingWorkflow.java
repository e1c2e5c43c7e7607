package dev.graft.workflows.diag;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A diagnostic workflow: one activity round trip through the worker. It proves that the server
 * reaches Temporal and that a worker polls the task queue, without touching any cluster.
 */
@WorkflowInterface
public interface PingWorkflow {
  @WorkflowMethod
  PingResult ping(PingRequest request);
}
