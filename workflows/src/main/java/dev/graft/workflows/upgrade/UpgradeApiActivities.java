package dev.graft.workflows.upgrade;

import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** An upgrade's steps on the Kubernetes API. */
@ActivityInterface(namePrefix = "UpgradeApi.")
public interface UpgradeApiActivities {
  /**
   * Read-only cluster pre-checks: every node Ready, PodDisruptionBudgets that would block a drain
   * (named, with their pods), deprecated APIs if the cluster reports them. Fails (non-retryable
   * PrecheckFailed) when a check fails.
   */
  PrecheckReport clusterPrecheck(UpgradeClusterRequest request);

  /** The Node's kubelet version, readiness and whether it is cordoned. */
  NodeState nodeState(UpgradeNodeRequest request);

  /**
   * Cordon, then evict every pod but mirror and DaemonSet pods, honouring PodDisruptionBudgets,
   * within the request's timeout; on timeout fails naming the pods still there and what blocks them
   * (the node stays cordoned).
   */
  StepOutcome drain(UpgradeNodeRequest request);

  /**
   * Waits until the Node is Ready and its kubelet reports the target version, then uncordons it.
   */
  StepOutcome awaitReadyAndUncordon(UpgradeNodeRequest request);

  /** Compensation: uncordon (a Node that is not cordoned is success). */
  StepOutcome uncordon(UpgradeNodeRequest request);
}
