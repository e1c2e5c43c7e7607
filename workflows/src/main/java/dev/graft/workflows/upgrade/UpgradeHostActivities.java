package dev.graft.workflows.upgrade;

import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/**
 * An upgrade's steps on a node, over SSH. Each is idempotent and says when it found its work done:
 * a package already at the target version, a node whose manifests already run the target.
 */
@ActivityInterface(namePrefix = "UpgradeHost.")
public interface UpgradeHostActivities {
  /** Read-only: the installed package versions and the apiserver manifest's version. */
  HostVersions observe(UpgradeHostRequest request);

  /**
   * Read-only pre-checks: kubeadm, kubelet and kubectl available at the target from the node's
   * package manager, disk space for images (and on the first control plane for the etcd snapshot),
   * certificate expiry and {@code kubeadm upgrade plan} on the first control plane. Every check
   * runs; fails (non-retryable PrecheckFailed) when any fails, each with its fix.
   */
  PrecheckReport precheck(UpgradeHostRequest request);

  /**
   * {@code etcdctl snapshot save} with the node's own etcd client certificate; path and checksum.
   */
  SnapshotResult snapshotEtcd(UpgradeHostRequest request);

  /** {@code kubeadm config images pull --kubernetes-version <to>}. */
  StepOutcome pullImages(UpgradeHostRequest request);

  /** The kubeadm package at the target version (held again afterwards if it was held). */
  StepOutcome installKubeadm(UpgradeHostRequest request);

  /**
   * {@code kubeadm upgrade apply <to> --yes} on the first control plane, {@code kubeadm upgrade
   * node} on the others, detached on the node so that a worker that dies does not stop it and the
   * next attempt attaches to it.
   */
  StepOutcome kubeadmUpgrade(UpgradeHostRequest request);

  /** The kubelet and kubectl packages at the target, then daemon-reload and restart the kubelet. */
  StepOutcome installKubelet(UpgradeHostRequest request);
}
