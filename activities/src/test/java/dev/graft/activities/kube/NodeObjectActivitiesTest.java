package dev.graft.activities.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.join.NodeObjectActivities;
import dev.graft.workflows.join.NodeObjectRequest;
import dev.graft.workflows.join.ReadyRequest;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.Taint;
import dev.graft.workflows.step.StepOutcome;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node object steps against the fabric8 mock server in CRUD mode (the kube-apiserver stand-in). */
@EnableKubernetesMockClient(crud = true)
class NodeObjectActivitiesTest {
  KubernetesClient client;
  @TempDir Path dir;

  private TestActivityEnvironment env;
  private KubeClients clients;
  private NodeObjectActivities activities;
  private String kubeconfig;

  private static final NodeSpec INFRA =
      new NodeSpec(
          "infra-1",
          "10.0.0.21",
          null,
          List.of(Role.WORKER, Role.INFRA),
          null,
          Map.of("zone", "b"),
          List.of(new Taint("node-role.kubernetes.io/infra", "", "NoSchedule")),
          null);

  @BeforeEach
  void setUp() throws Exception {
    kubeconfig = MockKubeconfig.write(client, dir).toString();
    clients = new KubeClients(Duration.ofSeconds(5));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new NodeObjectActivitiesImpl(clients, Duration.ofMillis(50)));
    activities = env.newActivityStub(NodeObjectActivities.class);
  }

  @AfterEach
  void tearDown() {
    env.close();
    clients.close();
  }

  @Test
  void registerCreatesACordonedNodeWithRoleLabelsAndTaintsThenReportsAlreadySatisfied() {
    StepOutcome first = activities.register(new NodeObjectRequest("lab", kubeconfig, INFRA));
    assertFalse(first.alreadySatisfied(), first.summary());
    Node node = client.nodes().withName("infra-1").get();
    assertEquals("", node.getMetadata().getLabels().get("node-role.kubernetes.io/infra"));
    assertEquals("", node.getMetadata().getLabels().get("node-role.kubernetes.io/worker"));
    assertEquals("b", node.getMetadata().getLabels().get("zone"));
    assertEquals("NoSchedule", node.getSpec().getTaints().get(0).getEffect());
    assertTrue(node.getSpec().getUnschedulable(), "cordoned until Ready");

    StepOutcome again = activities.register(new NodeObjectRequest("lab", kubeconfig, INFRA));
    assertTrue(again.alreadySatisfied(), again.summary());
  }

  @Test
  void awaitReadyUncordonsOnceTheKubeletReportsReady() throws Exception {
    activities.register(new NodeObjectRequest("lab", kubeconfig, INFRA));
    Thread kubelet =
        new Thread(
            () -> {
              try {
                Thread.sleep(300);
              } catch (InterruptedException e) {
                return;
              }
              Node n = client.nodes().withName("infra-1").get();
              n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
              n.getStatus()
                  .setConditions(
                      List.of(
                          new NodeConditionBuilder().withType("Ready").withStatus("True").build()));
              client.nodes().resource(n).updateStatus();
            });
    kubelet.start();
    StepOutcome ready =
        activities.awaitReady(new ReadyRequest("lab", kubeconfig, INFRA, Duration.ofSeconds(10)));
    kubelet.join();
    assertFalse(ready.alreadySatisfied(), ready.summary());
    Node node = client.nodes().withName("infra-1").get();
    assertFalse(Boolean.TRUE.equals(node.getSpec().getUnschedulable()), "uncordoned");
    assertEquals("b", node.getMetadata().getLabels().get("zone"));

    StepOutcome again =
        activities.awaitReady(new ReadyRequest("lab", kubeconfig, INFRA, Duration.ofSeconds(10)));
    assertTrue(again.alreadySatisfied(), again.summary());
  }

  @Test
  void awaitReadyTimesOutWithTheLastSeenState() {
    activities.register(new NodeObjectRequest("lab", kubeconfig, INFRA));
    ActivityFailure failure =
        assertThrows(
            ActivityFailure.class,
            () ->
                activities.awaitReady(
                    new ReadyRequest("lab", kubeconfig, INFRA, Duration.ofMillis(300))));
    String message = failure.getCause().getMessage();
    assertTrue(message.contains("not Ready after"), message);
    assertTrue(message.contains("no Ready condition yet"), message);
  }

  @Test
  void deleteIsIdempotent() {
    activities.register(new NodeObjectRequest("lab", kubeconfig, INFRA));
    assertFalse(
        activities.delete(new NodeObjectRequest("lab", kubeconfig, INFRA)).alreadySatisfied());
    assertEquals(null, client.nodes().withName("infra-1").get());
    assertTrue(
        activities.delete(new NodeObjectRequest("lab", kubeconfig, INFRA)).alreadySatisfied());
  }

  @Test
  void aMissingKubeconfigFailsWithoutRetrying() {
    ActivityFailure failure =
        assertThrows(
            ActivityFailure.class,
            () ->
                activities.register(
                    new NodeObjectRequest("lab", dir.resolve("nope.conf").toString(), INFRA)));
    assertTrue(
        failure.getCause().getMessage().contains("nope.conf"), failure.getCause().getMessage());
  }
}
