package dev.graft.workflows.cluster;

import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationSummary;
import dev.graft.workflows.expand.ProgressReporter;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * The single writer of one cluster ({@code cluster/<name>}): it runs one operation at a time, as a
 * child workflow with the operation's id, in the order they were submitted. Started with
 * signal-with-start by whoever submits first; it continues as new when its history grows, and ends
 * when it has been idle for a while (the next submission starts it again).
 */
@WorkflowInterface
public interface ClusterWorkflow {
  static String workflowId(String cluster) {
    return OperationRequest.clusterWorkflowId(cluster);
  }

  /**
   * @param carried the queue and recent operations carried over a continue-as-new (null first)
   */
  @WorkflowMethod
  void run(ClusterState carried);

  /** Queues an operation; a requestId already seen is ignored (the same operation). */
  @SignalMethod
  void submit(OperationRequest request);

  /**
   * Sent by the running operation when its state or phase changes (running, waiting-approval,
   * needs-attention; the phase in {@code message}), so that {@link #operations()} shows it live;
   * not for clients. Fields left null keep what the cluster workflow knows.
   */
  @SignalMethod(name = ProgressReporter.SIGNAL)
  void operationProgress(OperationSummary progress);

  /** Queued, running and recent operations, oldest first. */
  @QueryMethod
  List<OperationSummary> operations();
}
