package dev.graft.workflows.expand;

import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ChildAttention;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.Optional;

/**
 * An expansion that runs inside another operation (a replacement's {@code add/NEW}: an
 * ExpansionWorkflow whose parent is the RemovalWorkflow) passes on what its node joins say about
 * steps waiting for an operator, so that the operation the SRE watches shows needs-attention and
 * names the waiting step. An expansion started by its cluster's workflow (the parent is {@code
 * cluster/<name>}, which does not hear such signals) passes on nothing, so its history is as
 * before.
 */
final class AttentionRelay {
  private AttentionRelay() {}

  static void forward(ChildAttention attention) {
    Optional<String> parent = Workflow.getInfo().getParentWorkflowId();
    if (parent.isEmpty() || isClusterWorkflow(parent.get())) {
      return;
    }
    // Async: a signal handler does not wait for the send; a parent already gone hears nothing.
    Async.procedure(
        () -> {
          try {
            Workflow.newUntypedExternalWorkflowStub(parent.get())
                .signal(AttentionReporter.SIGNAL, attention);
          } catch (RuntimeException parentGone) {
            // the operation has ended: there is no one left to tell
          }
        });
  }

  /** {@code cluster/<name>}: a cluster workflow's id, nothing under it. */
  static boolean isClusterWorkflow(String workflowId) {
    return workflowId.startsWith("cluster/") && workflowId.indexOf('/', "cluster/".length()) < 0;
  }
}
