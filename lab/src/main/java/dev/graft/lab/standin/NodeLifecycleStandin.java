package dev.graft.lab.standin;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Stand-in for kube-controller-manager's node lifecycle controller: when a Ready node's heartbeat
 * (Ready.lastHeartbeatTime) is older than the grace period, it sets Ready to Unknown with the real
 * controller's reason and message and adds the node.kubernetes.io/unreachable taints; when
 * heartbeats resume and the kubelet reports Ready again, it removes those taints.
 */
final class NodeLifecycleStandin {
  static final String UNREACHABLE = "node.kubernetes.io/unreachable";

  private final KubernetesClient client;
  private final Duration grace;

  NodeLifecycleStandin(KubernetesClient client, Duration grace) {
    this.client = client;
    this.grace = grace;
  }

  void tick() {
    Instant now = Instant.now();
    for (Node node : client.nodes().list().getItems()) {
      NodeCondition ready = readyCondition(node);
      if (ready == null) {
        continue;
      }
      String name = node.getMetadata().getName();
      boolean stale = isStale(ready.getLastHeartbeatTime(), now);
      if (stale && !"Unknown".equals(ready.getStatus())) {
        String stamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
        client
            .nodes()
            .withName(name)
            .editStatus(
                n -> {
                  NodeCondition c = readyCondition(n);
                  if (c != null) {
                    c.setStatus("Unknown");
                    c.setReason("NodeStatusUnknown");
                    c.setMessage("Kubelet stopped posting node status.");
                    c.setLastTransitionTime(stamp);
                  }
                  return n;
                });
        client.nodes().withName(name).edit(n -> setUnreachableTaints(n, true));
      } else if (!stale && "True".equals(ready.getStatus()) && hasUnreachableTaint(node)) {
        client.nodes().withName(name).edit(n -> setUnreachableTaints(n, false));
      }
    }
  }

  private boolean isStale(String heartbeat, Instant now) {
    if (heartbeat == null) {
      return true;
    }
    try {
      return Instant.parse(heartbeat).plus(grace).isBefore(now);
    } catch (DateTimeParseException e) {
      return true;
    }
  }

  static NodeCondition readyCondition(Node n) {
    if (n.getStatus() == null || n.getStatus().getConditions() == null) {
      return null;
    }
    return n.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static boolean hasUnreachableTaint(Node n) {
    return n.getSpec() != null
        && n.getSpec().getTaints() != null
        && n.getSpec().getTaints().stream().anyMatch(t -> UNREACHABLE.equals(t.getKey()));
  }

  private static Node setUnreachableTaints(Node n, boolean present) {
    List<Taint> taints =
        new ArrayList<>(n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints());
    taints.removeIf(t -> UNREACHABLE.equals(t.getKey()));
    if (present) {
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      taints.add(new TaintBuilder().withKey(UNREACHABLE).withEffect("NoSchedule").build());
      taints.add(
          new TaintBuilder()
              .withKey(UNREACHABLE)
              .withEffect("NoExecute")
              .withTimeAdded(now)
              .build());
    }
    n.getSpec().setTaints(taints);
    return n;
  }
}
