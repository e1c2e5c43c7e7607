package dev.graft.activities.upgrade;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Label selectors as the API server evaluates them (pure), and the pods a drain must leave alone. A
 * PodDisruptionBudget's null selector selects nothing; an empty one ({@code {}}) selects every pod
 * of its namespace (policy/v1).
 */
final class Selectors {
  static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

  private Selectors() {}

  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> have = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> want : selector.getMatchLabels().entrySet()) {
        if (!Objects.equals(have.get(want.getKey()), want.getValue())) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String v = have.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean ok =
            switch (r.getOperator()) {
              case "In" -> v != null && values.contains(v);
              case "NotIn" -> v == null || !values.contains(v);
              case "Exists" -> have.containsKey(r.getKey());
              case "DoesNotExist" -> !have.containsKey(r.getKey());
              default -> false; // an operator the API would have refused
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether {@code pdb} covers {@code pod} (same namespace, selector matches). */
  static boolean covers(PodDisruptionBudget pdb, Pod pod) {
    return Objects.equals(pdb.getMetadata().getNamespace(), pod.getMetadata().getNamespace())
        && pdb.getSpec() != null
        && matches(pdb.getSpec().getSelector(), pod.getMetadata().getLabels());
  }

  static int disruptionsAllowed(PodDisruptionBudget pdb) {
    return pdb.getStatus() == null || pdb.getStatus().getDisruptionsAllowed() == null
        ? 0
        : pdb.getStatus().getDisruptionsAllowed();
  }

  /** A static pod's mirror: the kubelet owns it, the API cannot evict it. */
  static boolean mirror(Pod pod) {
    Map<String, String> a = pod.getMetadata().getAnnotations();
    return a != null && a.containsKey(MIRROR_ANNOTATION);
  }

  /**
   * A DaemonSet's pod: its controller would put it straight back, so drains leave it (kubectl drain
   * --ignore-daemonsets).
   */
  static boolean daemonSet(Pod pod) {
    return pod.getMetadata().getOwnerReferences() != null
        && pod.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                o -> "DaemonSet".equals(o.getKind()) && Boolean.TRUE.equals(o.getController()));
  }

  /** A pod no controller manages: evicted, it would not come back anywhere. */
  static boolean unmanaged(Pod pod) {
    return pod.getMetadata().getOwnerReferences() == null
        || pod.getMetadata().getOwnerReferences().stream()
            .noneMatch(o -> Boolean.TRUE.equals(o.getController()));
  }

  /** Succeeded or Failed: nothing runs any more, evicting it loses nothing. */
  static boolean finished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  static String name(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  static String name(PodDisruptionBudget pdb) {
    return pdb.getMetadata().getNamespace() + "/" + pdb.getMetadata().getName();
  }
}
