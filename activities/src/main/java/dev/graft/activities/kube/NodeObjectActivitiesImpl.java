package dev.graft.activities.kube;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.join.NodeObjectActivities;
import dev.graft.workflows.join.NodeObjectRequest;
import dev.graft.workflows.join.ReadyRequest;
import dev.graft.workflows.step.StepOutcome;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node object steps through the Kubernetes API. Each observes first and acts only when the live
 * object differs, so a retry after a crash reports "already satisfied" instead of acting twice.
 */
public final class NodeObjectActivitiesImpl implements NodeObjectActivities {
  private static final Logger LOG = LoggerFactory.getLogger(NodeObjectActivitiesImpl.class);
  static final String FIELD_MANAGER = "graft";

  private final KubeClients clients;
  private final Duration pollInterval;

  public NodeObjectActivitiesImpl(KubeClients clients, Duration pollInterval) {
    this.clients = clients;
    this.pollInterval = pollInterval;
  }

  @Override
  public StepOutcome register(NodeObjectRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    String name = request.node().name();
    try {
      Node live = kube.nodes().withName(name).get();
      // Registered cordoned: nothing is scheduled on it until the ready step uncordons it.
      boolean cordon =
          live == null
              || Boolean.TRUE.equals(
                  live.getSpec() == null ? null : live.getSpec().getUnschedulable());
      if (NodeObjects.satisfies(live, request.node(), cordon)) {
        return StepOutcome.alreadyDone(
            "Node " + name + " already registered with its labels and taints", "", attempt());
      }
      apply(kube, NodeObjects.desired(request.node(), cordon, live), live == null);
      LOG.info("registered Node cluster={} node={} cordoned={}", request.cluster(), name, cordon);
      return StepOutcome.did(
          (live == null ? "created" : "updated")
              + " Node "
              + name
              + " with labels "
              + NodeObjects.labels(request.node()).keySet()
              + (cordon ? ", cordoned until Ready" : ""),
          "",
          attempt());
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("register Node " + name, e);
    }
  }

  @Override
  public StepOutcome awaitReady(ReadyRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    String name = request.node().name();
    return NodeWait.until(
        kube,
        name,
        request.timeout(),
        pollInterval,
        live -> live == null ? "no Node object" : NodeObjects.readiness(live),
        (live, waited) -> {
          String seen = live == null ? "no Node object" : NodeObjects.readiness(live);
          if (!"Ready".equals(seen)) {
            return null;
          }
          if (NodeObjects.satisfies(live, request.node(), false)) {
            return waited
                ? StepOutcome.did("Node " + name + " is Ready and schedulable", seen, attempt())
                : StepOutcome.alreadyDone(
                    "Node " + name + " was already Ready and schedulable", seen, attempt());
          }
          apply(kube, NodeObjects.desired(request.node(), false, live), false);
          LOG.info("Node Ready, uncordoned cluster={} node={}", request.cluster(), name);
          return StepOutcome.did(
              "Node " + name + " is Ready; uncordoned, final labels and taints applied",
              seen,
              attempt());
        },
        seen ->
            ApplicationFailure.newFailure(
                "Node "
                    + name
                    + " not Ready after "
                    + request.timeout().toSeconds()
                    + " s: "
                    + seen
                    + "; check the kubelet on the node (journalctl -u kubelet)",
                FailureTypes.NODE_NOT_READY));
  }

  /**
   * Creates the Node when absent (a kubelet that registers it first makes the create fail with a
   * conflict, and the retry applies instead), else server-side applies Graft's fields.
   */
  private static void apply(KubernetesClient kube, Node desired, boolean absent) {
    if (absent) {
      kube.nodes().resource(desired).create();
      return;
    }
    try {
      kube.nodes().resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 415) {
        throw e;
      }
      // An API server without server-side apply (before 1.16, and fabric8's stock CRUD mock)
      // answers 415: a JSON merge patch of the same fields is the idempotent equivalent there.
      kube.nodes()
          .withName(desired.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(desired));
    }
  }

  @Override
  public StepOutcome delete(NodeObjectRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    String name = request.node().name();
    try {
      if (kube.nodes().withName(name).get() == null) {
        return StepOutcome.alreadyDone("Node " + name + " does not exist", "", attempt());
      }
      kube.nodes().withName(name).delete();
      LOG.info("deleted Node cluster={} node={}", request.cluster(), name);
      return StepOutcome.did("deleted Node " + name, "", attempt());
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("delete Node " + name, e);
    }
  }
}
