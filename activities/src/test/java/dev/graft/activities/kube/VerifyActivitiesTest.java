package dev.graft.activities.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.expand.NodesReadyRequest;
import dev.graft.workflows.expand.VerifyActivities;
import dev.graft.workflows.step.StepOutcome;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verification phase's Ready check against the fabric8 mock server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class VerifyActivitiesTest {
  KubernetesClient client;
  @TempDir Path dir;

  private TestActivityEnvironment env;
  private KubeClients clients;
  private VerifyActivities verify;
  private String kubeconfig;

  @BeforeEach
  void setUp() throws Exception {
    kubeconfig = MockKubeconfig.write(client, dir).toString();
    clients = new KubeClients(Duration.ofSeconds(5));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new VerifyActivitiesImpl(clients));
    verify =
        env.newActivityStub(
            VerifyActivities.class,
            io.temporal.activity.ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(
                    io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void tearDown() {
    env.close();
    clients.close();
  }

  private void node(String name, String ready) {
    Node n = new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
    client.nodes().resource(n).create();
    if (ready != null) {
      n = client.nodes().withName(name).get();
      n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
      n.getStatus()
          .setConditions(
              List.of(new NodeConditionBuilder().withType("Ready").withStatus(ready).build()));
      client.nodes().resource(n).updateStatus();
    }
  }

  @Test
  void passesWhenEveryNamedNodeIsReady() {
    node("n1", "True");
    node("n2", "True");
    node("other", "False"); // not named: not checked
    StepOutcome out =
        verify.nodesReady(new NodesReadyRequest("lab", kubeconfig, List.of("n1", "n2")));
    assertEquals("all 2 nodes Ready", out.summary());
  }

  @Test
  void namesEveryNodeThatIsNotReadyOrMissing() {
    node("n1", "True");
    node("n2", "False");
    node("n3", null);
    ActivityFailure f =
        assertThrows(
            ActivityFailure.class,
            () ->
                verify.nodesReady(
                    new NodesReadyRequest("lab", kubeconfig, List.of("n1", "n2", "n3", "n4"))));
    ApplicationFailure cause = (ApplicationFailure) f.getCause();
    assertEquals("NodesNotReady", cause.getType());
    String msg = cause.getOriginalMessage();
    assertTrue(msg.startsWith("3 of 4 node(s) not Ready"), msg);
    assertTrue(
        msg.contains("n2: NotReady")
            && msg.contains("n3: no Ready condition yet")
            && msg.contains("n4: no Node object"),
        msg);
  }
}
