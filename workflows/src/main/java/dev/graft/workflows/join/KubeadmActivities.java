package dev.graft.workflows.join;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** kubeadm on a node, over SSH. Tokens and certificate keys live and die inside these calls. */
@ActivityInterface(namePrefix = "Kubeadm.")
public interface KubeadmActivities {
  /**
   * Joins the node (worker, or control plane when the node has that role); detects "already
   * joined".
   */
  StepOutcome join(JoinRequest request);

  /** Compensation: {@code kubeadm reset -f} on the node; a node never joined is success. */
  StepOutcome reset(HostRequest request);

  /**
   * Removes the node's finished run directories (each attempt's pid, log and exit status of a
   * detached command such as kubeadm join); a run still in progress is kept. For the end of an
   * operation: a later join decides from the node itself, never from an old run.
   */
  StepOutcome pruneRuns(HostRequest request);
}
