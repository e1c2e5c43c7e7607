package dev.graft.workflows.etcd;

import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Grows a cluster's etcd one member at a time behind the quorum gate. Its id is fixed per cluster
 * ({@link #workflowId}): Temporal refuses to start a second execution with the id of a running one,
 * so two membership changes of one cluster never run at once.
 */
@WorkflowInterface
public interface EtcdGrowthWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  EtcdGrowthResult grow(EtcdGrowthRequest request);

  /** The one id every etcd membership change of {@code cluster} runs under. */
  static String workflowId(String cluster) {
    return "cluster/" + cluster + "/etcd-membership";
  }
}
