package dev.graft.workflows.expand;

import dev.graft.workflows.step.ChildSteps;

/**
 * etcd's part of an expansion: the seam where its etcd growth plugs in. {@link
 * ExpansionWorkflowImpl} calls it from workflow code, so an implementation must be deterministic
 * (activity stubs, child workflows, pure code) and must not keep state across calls beyond what
 * replay rebuilds.
 *
 * <p>Where it is called, in order:
 *
 * <ol>
 *   <li>{@link #refusal} once, before the pre-checks: a stage that cannot do what the plan asks
 *       stops the expansion before anything changes;
 *   <li>for each control-plane or etcd node, one at a time: {@link #gate} (step {@code
 *       etcd-gate/<node>}, when {@link #gates()}), then the node's join (step {@code node/<node>}),
 *       then {@link #grow} (step {@code etcd/<node>}, for nodes with the etcd role);
 *   <li>in the verification phase: {@link #verify} (step {@code verify/etcd}, when {@link
 *       #verifies()}): the voters as planned and every API server on every etcd endpoint.
 * </ol>
 *
 * <p>The result of each call becomes the step's result; a failure that should park the step for an
 * operator is thrown as the activity's or child's failure (the step engine catches both).
 */
public interface EtcdStage {
  /** Why this stage cannot run the plan (the expansion fails before any change), or null. */
  String refusal(EtcdStageRequest request);

  /** Whether {@link #gate} runs before each control-plane or etcd node. */
  boolean gates();

  /** The quorum and health gate before {@code request.node()} changes etcd. */
  EtcdStageResult gate(EtcdStageRequest request);

  /**
   * After the node's join: add its member (external) or check the one kubeadm added (stacked). A
   * child workflow is started through {@code children}, so an abort of the expansion cancels it.
   */
  EtcdStageResult grow(EtcdStageRequest request, ChildSteps children);

  /** Whether {@link #verify} runs in the verification phase. */
  boolean verifies();

  /** The etcd voters as planned, healthy, and every API server on every etcd endpoint. */
  EtcdStageResult verify(EtcdStageRequest request);
}
