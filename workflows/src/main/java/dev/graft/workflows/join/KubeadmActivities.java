package dev.graft.workflows.join;

import io.temporal.activity.ActivityInterface;

/** kubeadm on a node, over SSH. Tokens and certificate keys live and die inside these calls. */
@ActivityInterface(namePrefix = "Kubeadm.")
public interface KubeadmActivities {
  /** Joins the node (worker, or control plane when the node has that role); detects "already joined". */
  StepOutcome join(JoinRequest request);

  /** Compensation: {@code kubeadm reset -f} on the node; a node never joined is success. */
  StepOutcome reset(HostRequest request);
}
