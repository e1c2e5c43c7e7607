package dev.graft.workflows.routing;

import dev.graft.workflows.step.Observation;

/**
 * Whether the cluster runs a CNI that programs pod routes itself.
 *
 * @param cni "calico", "flannel" or "cilium"; null when none was found
 * @param evidence what was found, e.g. "DaemonSet kube-system/calico-node"
 */
public record CniDetection(String cni, String evidence, String summary, int attempt)
    implements Observation {
  public boolean found() {
    return cni != null;
  }

  /** Detection only reads: it never changes anything. */
}
