package dev.graft.activities.kube;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.Taint;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** What Graft wants a Node object to hold, and how to compare it with what the API has. */
public final class NodeObjects {
  public static final String ROLE_LABEL = "node-role.kubernetes.io/";
  public static final String MANAGED_BY = "graft.dev/managed";

  private NodeObjects() {}

  /** Role labels (node-role.kubernetes.io/<role>="") plus the inventory's labels. */
  public static Map<String, String> labels(NodeSpec node) {
    Map<String, String> labels = new TreeMap<>(node.labels());
    for (Role r : node.roles()) {
      labels.put(ROLE_LABEL + r.wireName(), "");
    }
    labels.put(MANAGED_BY, "true");
    return labels;
  }

  public static List<io.fabric8.kubernetes.api.model.Taint> taints(NodeSpec node) {
    List<io.fabric8.kubernetes.api.model.Taint> out = new ArrayList<>();
    for (Taint t : node.taints()) {
      out.add(
          new TaintBuilder().withKey(t.key()).withValue(t.value()).withEffect(t.effect()).build());
    }
    return out;
  }

  /**
   * The desired Node for server-side apply: only the fields Graft owns. Node taints are an atomic
   * list in the API, so the live taints (kubeadm's control-plane taint, for one) are kept and the
   * inventory's are added to them.
   */
  public static Node desired(NodeSpec node, boolean unschedulable, Node live) {
    List<io.fabric8.kubernetes.api.model.Taint> taints = new ArrayList<>();
    if (live != null && live.getSpec() != null && live.getSpec().getTaints() != null) {
      taints.addAll(live.getSpec().getTaints());
    }
    for (io.fabric8.kubernetes.api.model.Taint want : taints(node)) {
      taints.removeIf(
          t ->
              Objects.equals(t.getKey(), want.getKey())
                  && Objects.equals(t.getEffect(), want.getEffect()));
      taints.add(want);
    }
    return new NodeBuilder()
        .withNewMetadata()
        .withName(node.name())
        .withLabels(labels(node))
        .endMetadata()
        .withNewSpec()
        .withUnschedulable(unschedulable)
        .withTaints(taints)
        .endSpec()
        .build();
  }

  /**
   * True when the live Node already holds every label and taint Graft wants, and the
   * schedulability.
   */
  public static boolean satisfies(Node live, NodeSpec node, boolean unschedulable) {
    if (live == null) {
      return false;
    }
    Map<String, String> have =
        live.getMetadata().getLabels() == null ? Map.of() : live.getMetadata().getLabels();
    for (Map.Entry<String, String> want : labels(node).entrySet()) {
      if (!Objects.equals(have.get(want.getKey()), want.getValue())) {
        return false;
      }
    }
    List<io.fabric8.kubernetes.api.model.Taint> liveTaints =
        live.getSpec() == null || live.getSpec().getTaints() == null
            ? List.of()
            : live.getSpec().getTaints();
    for (io.fabric8.kubernetes.api.model.Taint want : taints(node)) {
      boolean found =
          liveTaints.stream()
              .anyMatch(
                  t ->
                      Objects.equals(t.getKey(), want.getKey())
                          && Objects.equals(blankToNull(t.getValue()), blankToNull(want.getValue()))
                          && Objects.equals(t.getEffect(), want.getEffect()));
      if (!found) {
        return false;
      }
    }
    boolean liveUnschedulable =
        live.getSpec() != null && Boolean.TRUE.equals(live.getSpec().getUnschedulable());
    return liveUnschedulable == unschedulable;
  }

  /** "Ready", "NotReady (reason)", or "no Ready condition yet". */
  public static String readiness(Node live) {
    if (live == null || live.getStatus() == null || live.getStatus().getConditions() == null) {
      return "no Ready condition yet";
    }
    for (NodeCondition c : live.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus())
            ? "Ready"
            : "NotReady ("
                + c.getStatus()
                + (c.getReason() == null ? "" : ", " + c.getReason())
                + ")";
      }
    }
    return "no Ready condition yet";
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
