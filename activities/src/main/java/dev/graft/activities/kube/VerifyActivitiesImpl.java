package dev.graft.activities.kube;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.expand.NodesReadyRequest;
import dev.graft.workflows.expand.VerifyActivities;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only verification through the Kubernetes API: one list of the Nodes (a single bounded
 * request, whatever the cluster's size), then each expected node's Ready condition.
 */
public final class VerifyActivitiesImpl implements VerifyActivities {
  private static final Logger LOG = LoggerFactory.getLogger(VerifyActivitiesImpl.class);
  private final KubeClients clients;

  public VerifyActivitiesImpl(KubeClients clients) {
    this.clients = clients;
  }

  @Override
  public StepOutcome nodesReady(NodesReadyRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    int attempt = Activity.getExecutionContext().getInfo().getAttempt();
    Map<String, Node> live = new LinkedHashMap<>();
    try {
      for (Node n : kube.nodes().list().getItems()) {
        live.put(n.getMetadata().getName(), n);
      }
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("list Nodes", e);
    }
    List<String> bad = new ArrayList<>();
    for (String name : request.nodes()) {
      String readiness =
          live.containsKey(name) ? NodeObjects.readiness(live.get(name)) : "no Node object";
      if (!"Ready".equals(readiness)) {
        bad.add(name + ": " + readiness);
      }
    }
    if (!bad.isEmpty()) {
      LOG.warn("nodes not Ready cluster={} count={}", request.cluster(), bad.size());
      throw ApplicationFailure.newFailureWithCause(
          bad.size()
              + " of "
              + request.nodes().size()
              + " node(s) not Ready: "
              + String.join(", ", bad.subList(0, Math.min(5, bad.size())))
              + (bad.size() > 5 ? ", …" : ""),
          FailureTypes.NODES_NOT_READY,
          null,
          new StepFailureDetails(
              String.join("\n", bad),
              "check the kubelet on each node (journalctl -u kubelet)",
              attempt));
    }
    return StepOutcome.did("all " + request.nodes().size() + " nodes Ready", "", attempt);
  }
}
