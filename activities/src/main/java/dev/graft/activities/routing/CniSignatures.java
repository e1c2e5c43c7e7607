package dev.graft.activities.routing;

import java.util.List;
import java.util.Map;

/**
 * How the CNIs that program pod routes themselves show in the API: their DaemonSet's name, and the
 * label their pods carry in the upstream manifests (Calico's calico-node, Flannel's kube-flannel-ds
 * in kube-flannel or kube-system, Cilium's agent).
 */
final class CniSignatures {
  record Signature(String cni, String daemonSetPrefix, String label, String value) {}

  static final List<Signature> ALL =
      List.of(
          new Signature("calico", "calico-node", "k8s-app", "calico-node"),
          new Signature("flannel", "kube-flannel", "app", "flannel"),
          new Signature("cilium", "cilium", "k8s-app", "cilium"));

  private CniSignatures() {}

  /**
   * The signature a DaemonSet matches, by name (exact or prefix-) or by its pod template's label.
   */
  static Signature matchDaemonSet(String name, Map<String, String> podLabels) {
    for (Signature s : ALL) {
      boolean byName =
          name.equals(s.daemonSetPrefix()) || name.startsWith(s.daemonSetPrefix() + "-");
      boolean byLabel = podLabels != null && s.value().equals(podLabels.get(s.label()));
      // "cilium-operator" is a Deployment in upstream manifests, but a DaemonSet of that name would
      // not route: only the agent counts.
      if ((byName && !name.startsWith("cilium-operator")) || byLabel) {
        return s;
      }
    }
    return null;
  }
}
