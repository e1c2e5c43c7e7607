package dev.graft.workflows.routing;

import io.temporal.activity.ActivityInterface;

/** The pod network's side of the Kubernetes API. */
@ActivityInterface(namePrefix = "PodNetworkApi.")
public interface PodNetworkApiActivities {
  /** Looks for Calico, Flannel or Cilium (DaemonSets, then pods by their usual labels). */
  CniDetection detectCni(ClusterRequest request);

  /**
   * Allocates a pod CIDR to every requested node without one and records it in {@code
   * spec.podCIDR}; never changes a node's existing block; raises exhaustion before any change.
   */
  AllocationResult allocate(AllocationRequest request);
}
