package dev.graft.activities.remove;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.common.InvalidValueException;
import dev.graft.activities.common.ShellValues;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeNodeReader;
import dev.graft.activities.kube.NodeObjects;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.upgrade.UpgradeApiActivitiesImpl;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.remove.ClusterNodesRequest;
import dev.graft.workflows.remove.NodeFacts;
import dev.graft.workflows.remove.RemovalApiActivities;
import dev.graft.workflows.remove.RemovalNodeRequest;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.upgrade.UpgradeNodeRequest;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A removal's steps on the Kubernetes API (fabric8, every request bounded by the client's timeout,
 * no retries of its own). The drain is the upgrade's (PodDisruptionBudgets honoured through the
 * Eviction API, a timeout, the blocking pods and budgets named).
 */
public final class RemovalApiActivitiesImpl implements RemovalApiActivities {
  private static final Logger LOG = LoggerFactory.getLogger(RemovalApiActivitiesImpl.class);

  /** What Graft's join writes in a bootstrap token's description (KubeadmActivitiesImpl). */
  static final String TOKEN_DESCRIPTION = "graft join ";

  private final KubeClients clients;
  private final UpgradeApiActivitiesImpl upgrade;

  public RemovalApiActivitiesImpl(KubeClients clients, UpgradeApiActivitiesImpl upgrade) {
    this.clients = clients;
    this.upgrade = upgrade;
  }

  private static String name(RemovalNodeRequest r) {
    try {
      return ShellValues.dns1123Subdomain("node name", r.node().name());
    } catch (InvalidValueException e) {
      throw NodeShell.failure(
          e.getMessage(), FailureTypes.INVALID_INPUT, true, "", "fix the request");
    }
  }

  @Override
  public NodeFacts nodes(ClusterNodesRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    List<Node> items = kube.nodes().list().getItems();
    List<ObservedNode> nodes = new KubeNodeReader(kube).readNodes();
    List<String> ready =
        items.stream()
            .filter(n -> "Ready".equals(NodeObjects.readiness(n)))
            .map(n -> n.getMetadata().getName())
            .toList();
    return new NodeFacts(
        nodes, ready, nodes.size() + " Node(s), " + ready.size() + " Ready", attempt());
  }

  @Override
  public StepOutcome drain(RemovalNodeRequest request) {
    String name = name(request);
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    if (kube.nodes().withName(name).get() == null) {
      return StepOutcome.alreadyDone(
          "Node " + name + " is gone already: nothing to drain", "", attempt());
    }
    return upgrade.drain(
        new UpgradeNodeRequest(
            request.cluster(), request.kubeconfig(), request.node(), null, request.timeout()));
  }

  @Override
  public StepOutcome podsLeft(RemovalNodeRequest request) {
    String name = name(request);
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    // Read and filtered here (not with a field selector, which the Kubernetes mock ignores).
    List<String> onNode = new ArrayList<>();
    for (Pod p : kube.pods().inAnyNamespace().list().getItems()) {
      if (p.getSpec() != null && name.equals(p.getSpec().getNodeName())) {
        onNode.add(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
      }
    }
    List<String> left = onNode;
    return StepOutcome.did(
        "not drained ("
            + name
            + " is unreachable): "
            + (left.isEmpty()
                ? "no pods on it"
                : left.size() + " pod(s) go with the Node: " + String.join(", ", left)),
        String.join("\n", left),
        attempt());
  }

  @Override
  public StepOutcome deleteNode(RemovalNodeRequest request) {
    String name = name(request);
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    Node n = kube.nodes().withName(name).get();
    if (n == null) {
      return StepOutcome.alreadyDone("Node " + name + " is gone already", "", attempt());
    }
    try {
      kube.nodes().withName(name).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    LOG.info("deleted Node cluster={} node={}", request.cluster(), name);
    return StepOutcome.did(
        "deleted Node " + name + " (it was " + NodeObjects.readiness(n) + ")", "", attempt());
  }

  @Override
  public StepOutcome revokeTokens(RemovalNodeRequest request) {
    String name = name(request);
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    List<String> revoked = new ArrayList<>();
    for (Secret s :
        kube.secrets()
            .inNamespace("kube-system")
            .withLabel("graft.dev/managed", "true")
            .list()
            .getItems()) {
      if (!"bootstrap.kubernetes.io/token".equals(s.getType())) {
        continue;
      }
      String description = field(s, "description");
      if ((TOKEN_DESCRIPTION + name).equals(description)) {
        // The token's id names it; its secret is never read into anything that leaves this call.
        kube.secrets().inNamespace("kube-system").withName(s.getMetadata().getName()).delete();
        revoked.add(s.getMetadata().getName());
      }
    }
    return revoked.isEmpty()
        ? StepOutcome.alreadyDone(
            "no bootstrap token of " + name + "'s join is left", "", attempt())
        : StepOutcome.did("revoked " + revoked, "", attempt());
  }

  private static String field(Secret s, String key) {
    Map<String, String> string = s.getStringData();
    if (string != null && string.get(key) != null) {
      return string.get(key);
    }
    Map<String, String> data = s.getData();
    if (data == null || data.get(key) == null) {
      return null;
    }
    try {
      return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public StepOutcome uncordon(RemovalNodeRequest request) {
    return upgrade.uncordon(
        new UpgradeNodeRequest(
            request.cluster(), request.kubeconfig(), request.node(), null, null));
  }
}
