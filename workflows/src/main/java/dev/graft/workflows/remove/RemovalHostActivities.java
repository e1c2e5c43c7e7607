package dev.graft.workflows.remove;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/**
 * A removal's steps on hosts, over SSH. Each looks first and reports already-satisfied when its
 * work is done, so a retry or a resumed operation never does anything twice.
 */
@ActivityInterface(namePrefix = "RemoveHost.")
public interface RemovalHostActivities {
  /** Read-only: which of kubeadm's files the host has (a half-joined host has some but no Node). */
  HostFacts observe(RemovalHostRequest request);

  /**
   * {@code kubeadm reset -f} when kubeadm's files are there (none: already satisfied), then what
   * reset leaves behind, named: CNI configuration, iptables rules, $HOME/.kube/config.
   */
  StepOutcome reset(RemovalHostRequest request);

  /** One staying control plane: its kube-apiserver's --etcd-servers without the removed members. */
  StepOutcome dropEtcdServers(EtcdServersRequest request);

  /** One staying node: Graft's pod route to the removed node and its boot-config line go. */
  StepOutcome dropRoutes(RouteDropRequest request);

  /**
   * The removed node itself: Graft's pod routes, its boot unit and config go (cbr0 and rules too).
   */
  StepOutcome cleanPodNetwork(RemovalHostRequest request);
}
