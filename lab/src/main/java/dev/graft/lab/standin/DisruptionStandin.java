package dev.graft.lab.standin;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PodDisruptionBudgets as kube-controller-manager's disruption controller and the API server's
 * eviction subresource treat them: a budget covers the pods of its namespace that its selector
 * matches; healthy pods are Running with Ready=True; desired healthy is minAvailable (a number, or
 * a percentage of the covered pods rounded up) or covered pods minus maxUnavailable (a percentage
 * rounded up); disruptions allowed = healthy - desired, at least 0. {@link #tick} keeps every
 * budget's status current; {@link #blocking} is what an eviction checks.
 */
final class DisruptionStandin {
  private final KubernetesClient client;

  DisruptionStandin(KubernetesClient client) {
    this.client = client;
  }

  /** What a budget allows right now. */
  record Budget(String name, int expected, int desired, int healthy) {
    int allowed() {
      return Math.max(0, healthy - desired);
    }
  }

  void tick() {
    for (PodDisruptionBudget pdb :
        client.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems()) {
      Budget b = budget(pdb, pods(pdb.getMetadata().getNamespace()));
      PodDisruptionBudgetStatus s =
          pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
      Long generation = pdb.getMetadata().getGeneration();
      if (Objects.equals(s.getExpectedPods(), b.expected())
          && Objects.equals(s.getDesiredHealthy(), b.desired())
          && Objects.equals(s.getCurrentHealthy(), b.healthy())
          && Objects.equals(s.getDisruptionsAllowed(), b.allowed())) {
        continue;
      }
      s.setExpectedPods(b.expected());
      s.setDesiredHealthy(b.desired());
      s.setCurrentHealthy(b.healthy());
      s.setDisruptionsAllowed(b.allowed());
      s.setObservedGeneration(generation == null ? 1L : generation);
      pdb.setStatus(s);
      client
          .policy()
          .v1()
          .podDisruptionBudget()
          .inNamespace(pdb.getMetadata().getNamespace())
          .resource(pdb)
          .updateStatus();
    }
  }

  private List<Pod> pods(String namespace) {
    return client.pods().inNamespace(namespace).list().getItems();
  }

  /**
   * The eviction check: null when the pod may go, else the API server's refusal (429 with the
   * disruption budget's cause, or 500 when several budgets cover the pod).
   */
  static String[] blocking(Pod pod, List<PodDisruptionBudget> budgets, List<Pod> pods) {
    List<PodDisruptionBudget> covering =
        budgets.stream()
            .filter(p -> matches(p.getSpec().getSelector(), pod.getMetadata().getLabels()))
            .toList();
    if (covering.isEmpty()) {
      return null;
    }
    if (covering.size() > 1) {
      return new String[] {
        "500",
        "This pod has more than one PodDisruptionBudget, which the"
            + " eviction subresource does not support.",
        ""
      };
    }
    PodDisruptionBudget pdb = covering.get(0);
    Budget b = budget(pdb, pods);
    // A pod that is not healthy may go while the budget is met (IfHealthyBudget, the default).
    if (!healthy(pod) && b.healthy() >= b.desired()) {
      return null;
    }
    if (b.allowed() > 0) {
      return null;
    }
    return new String[] {
      "429",
      "Cannot evict pod as it would violate the pod's disruption" + " budget.",
      "The disruption budget "
          + b.name()
          + " needs "
          + b.desired()
          + " healthy pods and has "
          + b.healthy()
          + " currently"
    };
  }

  static Budget budget(PodDisruptionBudget pdb, List<Pod> pods) {
    LabelSelector sel = pdb.getSpec().getSelector();
    List<Pod> covered =
        pods.stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .filter(p -> matches(sel, p.getMetadata().getLabels()))
            .toList();
    int expected = covered.size();
    int healthy = (int) covered.stream().filter(DisruptionStandin::healthy).count();
    int desired;
    if (pdb.getSpec().getMinAvailable() != null) {
      desired = scaled(pdb.getSpec().getMinAvailable(), expected);
    } else if (pdb.getSpec().getMaxUnavailable() != null) {
      desired = Math.max(0, expected - scaled(pdb.getSpec().getMaxUnavailable(), expected));
    } else {
      desired = 0;
    }
    return new Budget(pdb.getMetadata().getName(), expected, desired, healthy);
  }

  private static int scaled(IntOrString v, int total) {
    if (v.getIntVal() != null) {
      return v.getIntVal();
    }
    String s = v.getStrVal();
    if (s != null && s.endsWith("%")) {
      return (int) Math.ceil(Integer.parseInt(s.substring(0, s.length() - 1)) * total / 100.0);
    }
    return Integer.parseInt(String.valueOf(s));
  }

  static boolean healthy(Pod p) {
    return p.getStatus() != null
        && "Running".equals(p.getStatus().getPhase())
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** A label selector's match, as the API evaluates it (an empty selector matches all). */
  static boolean matches(LabelSelector sel, Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (sel == null) {
      return false;
    }
    if (sel.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : sel.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (sel.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : sel.getMatchExpressions()) {
        String v = l.get(r.getKey());
        List<String> vals = r.getValues() == null ? List.of() : r.getValues();
        boolean ok =
            switch (r.getOperator()) {
              case "In" -> v != null && vals.contains(v);
              case "NotIn" -> v == null || !vals.contains(v);
              case "Exists" -> v != null;
              case "DoesNotExist" -> v == null;
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }
}
