package dev.graft.workflows.remove;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** A removal's steps on the Kubernetes API. */
@ActivityInterface(namePrefix = "RemoveApi.")
public interface RemovalApiActivities {
  /** Read-only: every Node with its address, roles, pod CIDR and readiness. */
  NodeFacts nodes(ClusterNodesRequest request);

  /**
   * Cordon and drain, honouring PodDisruptionBudgets, within the request's timeout (as an upgrade's
   * drain); a Node that is gone already is already-satisfied.
   */
  StepOutcome drain(RemovalNodeRequest request);

  /** For {@code --unreachable}: no drain; names the pods left on the Node (they go with it). */
  StepOutcome podsLeft(RemovalNodeRequest request);

  /** Deletes the Node object; absent: already satisfied. */
  StepOutcome deleteNode(RemovalNodeRequest request);

  /** Deletes bootstrap tokens Graft minted for this node's join that are still there. */
  StepOutcome revokeTokens(RemovalNodeRequest request);

  /** Compensation of the drain: uncordon, if the Node is still there. */
  StepOutcome uncordon(RemovalNodeRequest request);
}
