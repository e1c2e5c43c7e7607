package dev.graft.workflows.expand;

import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.OperatedWorkflow;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One expansion ({@code cluster/<name>/expand/<requestId>}), run as the cluster workflow's child:
 * pre-checks on every new node in parallel, then control-plane and etcd nodes one at a time (node
 * join, then etcd growth, with the health gate between nodes), then workers in parallel up to
 * maxParallel, then routing, then verification, then a summary. Its own steps (phases, gates,
 * pre-checks, verification) answer {@link #steps()}; each node's steps live in that node's child
 * workflow, whose id {@link #progress()} names.
 */
@WorkflowInterface
public interface ExpansionWorkflow extends OperatedWorkflow {
  @WorkflowMethod
  ExpansionResult expand(OperationRequest request);

  /** The state, the plan, and the ids of the child workflows (per node, etcd, routing). */
  @QueryMethod
  ExpansionProgress progress();

  /**
   * Sent by a child (node join, routing) when its steps start or stop waiting for an operator, so
   * that {@link #progress()} shows needs-attention; not for clients.
   */
  @SignalMethod(name = AttentionReporter.SIGNAL)
  void childAttention(ChildAttention attention);
}
