package dev.graft.workflows.upgrade;

import dev.graft.workflows.step.Observation;

/**
 * What is installed on a node, read over SSH: the kubeadm, kubelet and kubectl package versions
 * (upstream part, e.g. 1.31.0; null when not installed as a package) and, on a control plane, the
 * version of its kube-apiserver static pod manifest's image (null elsewhere).
 */
public record HostVersions(
    String node,
    String kubeadm,
    String kubelet,
    String kubectl,
    String apiServerManifest,
    int attempt)
    implements Observation {
  @Override
  public String summary() {
    return "kubeadm "
        + kubeadm
        + ", kubelet "
        + kubelet
        + ", kubectl "
        + kubectl
        + (apiServerManifest == null ? "" : ", kube-apiserver manifest " + apiServerManifest);
  }
}
