package dev.graft.activities.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.MockKubeconfig;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.upgrade.NodeState;
import dev.graft.workflows.upgrade.UpgradeApiActivities;
import dev.graft.workflows.upgrade.UpgradeClusterRequest;
import dev.graft.workflows.upgrade.UpgradeNodeRequest;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade's API steps against the fabric8 mock server in CRUD mode, with the Eviction
 * subresource honouring PodDisruptionBudgets as the API server does ({@link
 * EvictingCrudDispatcher}).
 */
class UpgradeApiActivitiesTest {
  @TempDir Path dir;

  private KubernetesMockServer server;
  private EvictingCrudDispatcher dispatcher;
  private KubernetesClient client;
  private TestActivityEnvironment env;
  private KubeClients clients;
  private UpgradeApiActivities api;
  private String kubeconfig;

  private static final NodeSpec W1 =
      new NodeSpec("w1", "10.0.0.21", null, List.of(Role.WORKER), null, null, null, null);
  private static final NodeSpec W2 =
      new NodeSpec("w2", "10.0.0.22", null, List.of(Role.WORKER), null, null, null, null);

  @BeforeEach
  void setUp() throws Exception {
    dispatcher = new EvictingCrudDispatcher();
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    kubeconfig = MockKubeconfig.write(client, dir).toString();
    clients = new KubeClients(Duration.ofSeconds(5));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new UpgradeApiActivitiesImpl(clients, Duration.ofMillis(50)));
    api =
        env.newActivityStub(
            UpgradeApiActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void tearDown() {
    env.close();
    clients.close();
    client.close();
    server.destroy();
  }

  private void node(String name, boolean ready, String version, boolean cordoned) {
    Node n =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withUnschedulable(cordoned)
            .endSpec()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus(ready ? "True" : "False")
            .endCondition()
            .withNewNodeInfo()
            .withKubeletVersion(version)
            .endNodeInfo()
            .endStatus()
            .build();
    client.nodes().resource(n).createOr(x -> x.update());
  }

  private Pod pod(
      String ns,
      String name,
      String node,
      Map<String, String> labels,
      String ownerKind,
      boolean mirror) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .endStatus();
    if (ownerKind != null) {
      b.editMetadata()
          .addNewOwnerReference()
          .withKind(ownerKind)
          .withName(name + "-owner")
          .withApiVersion("apps/v1")
          .withUid("uid-" + name)
          .withController(true)
          .endOwnerReference()
          .endMetadata();
    }
    if (mirror) {
      b.editMetadata().addToAnnotations(Selectors.MIRROR_ANNOTATION, "abc").endMetadata();
    }
    return client.pods().inNamespace(ns).resource(b.build()).create();
  }

  private PodDisruptionBudget pdb(
      String ns, String name, Map<String, String> selector, int allowed) {
    PodDisruptionBudget p =
        new PodDisruptionBudgetBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withMinAvailable(new IntOrString(1))
            .withNewSelector()
            .withMatchLabels(selector)
            .endSelector()
            .endSpec()
            .withNewStatus()
            .withDisruptionsAllowed(allowed)
            .endStatus()
            .build();
    return client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(ns)
        .resource(p)
        .createOr(x -> x.update());
  }

  private void setAllowed(String ns, String name, int allowed) {
    PodDisruptionBudget p =
        client.policy().v1().podDisruptionBudget().inNamespace(ns).withName(name).get();
    p.getStatus().setDisruptionsAllowed(allowed);
    client.policy().v1().podDisruptionBudget().inNamespace(ns).resource(p).update();
  }

  private UpgradeNodeRequest req(NodeSpec n, Duration timeout) {
    return new UpgradeNodeRequest("lab", kubeconfig, n, "v1.31.0", timeout);
  }

  private static ApplicationFailure failure(ActivityFailure f) {
    return (ApplicationFailure) f.getCause();
  }

  @Test
  void drainCordonsEvictsAllButMirrorAndDaemonSetPodsThenFindsItDone() {
    node("w1", true, "v1.30.4", false);
    node("w2", true, "v1.30.4", false);
    pod("app", "web-1", "w1", Map.of("app", "web"), "ReplicaSet", false);
    pod("app", "web-2", "w2", Map.of("app", "web"), "ReplicaSet", false);
    pod("kube-system", "kube-proxy-x", "w1", Map.of("k8s-app", "kube-proxy"), "DaemonSet", false);
    pod("kube-system", "etcd-w1", "w1", Map.of("component", "etcd"), "Node", true);

    StepOutcome first = api.drain(req(W1, Duration.ofSeconds(10)));
    assertFalse(first.alreadySatisfied(), first.summary());
    assertEquals("cordoned and drained w1: evicted 1 pod(s)", first.summary());
    assertTrue(client.nodes().withName("w1").get().getSpec().getUnschedulable());
    assertNull(client.pods().inNamespace("app").withName("web-1").get(), "evicted");
    assertTrue(
        client.pods().inNamespace("app").withName("web-2").get() != null,
        "another node's pod stays");
    assertTrue(
        client.pods().inNamespace("kube-system").withName("kube-proxy-x").get() != null,
        "DaemonSet pod stays");
    assertTrue(
        client.pods().inNamespace("kube-system").withName("etcd-w1").get() != null,
        "mirror pod stays");
    assertEquals(List.of("app/web-1 -> 201"), dispatcher.evictions);

    StepOutcome again = api.drain(req(W1, Duration.ofSeconds(10)));
    assertTrue(again.alreadySatisfied(), again.summary());
    assertEquals(1, dispatcher.evictions.size(), "nothing evicted twice");
  }

  @Test
  void aDrainThatABudgetBlocksFailsNonRetryablyNamingThePodAndTheBudgetAndLeavesTheNodeCordoned() {
    node("w1", true, "v1.30.4", false);
    pod("app", "db-0", "w1", Map.of("app", "db"), "StatefulSet", false);
    pdb("app", "db-pdb", Map.of("app", "db"), 0);

    ActivityFailure f =
        assertThrows(ActivityFailure.class, () -> api.drain(req(W1, Duration.ofMillis(600))));
    ApplicationFailure a = failure(f);
    assertEquals("DrainBlocked", a.getType());
    assertTrue(a.isNonRetryable());
    assertTrue(
        a.getOriginalMessage()
            .contains("app/db-0 by PodDisruptionBudget app/db-pdb (disruptionsAllowed 0)"),
        a.getOriginalMessage());
    StepFailureDetails d = a.getDetails().get(StepFailureDetails.class);
    assertTrue(
        d.outputTail().contains("app/db-0: eviction refused by PodDisruptionBudget app/db-pdb"),
        d.outputTail());
    assertTrue(d.hint().contains("relax the PDB"), d.hint());
    assertTrue(client.nodes().withName("w1").get().getSpec().getUnschedulable(), "stays cordoned");
    assertTrue(
        dispatcher.evictions.size() > 1,
        "eviction was retried while waiting: " + dispatcher.evictions);
  }

  @Test
  void aDrainWaitsForABudgetToAllowTheEvictionWithinItsTimeout() throws Exception {
    node("w1", true, "v1.30.4", false);
    pod("app", "db-0", "w1", Map.of("app", "db"), "StatefulSet", false);
    pdb("app", "db-pdb", Map.of("app", "db"), 0);
    Thread operator =
        new Thread(
            () -> {
              try {
                Thread.sleep(400);
                setAllowed(
                    "app", "db-pdb", 1); // the workload was scaled up: one disruption allowed
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    operator.start();
    StepOutcome done = api.drain(req(W1, Duration.ofSeconds(20)));
    operator.join();
    assertFalse(done.alreadySatisfied());
    assertNull(client.pods().inNamespace("app").withName("db-0").get());
    assertEquals("app/db-0 -> 201", dispatcher.evictions.get(dispatcher.evictions.size() - 1));
    assertTrue(dispatcher.evictions.get(0).endsWith("429"), dispatcher.evictions.toString());
  }

  @Test
  void aPodWithoutAControllerBlocksTheDrainAsKubectlDoesWithoutForce() {
    node("w1", true, "v1.30.4", false);
    pod("default", "scratch", "w1", Map.of(), null, false);
    ActivityFailure f =
        assertThrows(ActivityFailure.class, () -> api.drain(req(W1, Duration.ofSeconds(5))));
    assertEquals("DrainBlocked", failure(f).getType());
    assertTrue(
        failure(f).getOriginalMessage().contains("default/scratch"),
        failure(f).getOriginalMessage());
    assertTrue(dispatcher.evictions.isEmpty(), "never evicted: " + dispatcher.evictions);
  }

  @Test
  void clusterPrecheckNamesNotReadyNodesAndBlockingBudgetsWithTheirPods() {
    node("w1", true, "v1.30.4", false);
    node("w2", false, "v1.30.4", false);
    pod("app", "db-0", "w1", Map.of("app", "db"), "StatefulSet", false);
    pod("app", "db-1", "elsewhere", Map.of("app", "db"), "StatefulSet", false);
    pdb("app", "db-pdb", Map.of("app", "db"), 0);
    pdb("app", "web-pdb", Map.of("app", "web"), 0); // covers no pod on these nodes

    ActivityFailure f =
        assertThrows(
            ActivityFailure.class,
            () ->
                api.clusterPrecheck(
                    new UpgradeClusterRequest("lab", kubeconfig, List.of(W1, W2), "v1.31.0")));
    ApplicationFailure a = failure(f);
    assertEquals("PrecheckFailed", a.getType());
    assertTrue(a.isNonRetryable());
    String report = a.getDetails().get(StepFailureDetails.class).outputTail();
    assertTrue(report.contains("FAIL  nodes-ready: not Ready: w2 (NotReady (False))"), report);
    assertTrue(
        report.contains(
            "FAIL  pdb app/db-pdb: PodDisruptionBudget app/db-pdb allows 0 disruptions and covers"
                + " app/db-0 on w1 — scale the workload or relax the PDB"),
        report);
    assertFalse(report.contains("web-pdb"), report);
    assertFalse(report.contains("db-1"), report);
    assertTrue(report.contains("ok    deprecated-apis: skipped"), report);
  }

  @Test
  void clusterPrecheckPassesOnAHealthyCluster() {
    node("w1", true, "v1.30.4", false);
    pod("app", "db-0", "w1", Map.of("app", "db"), "StatefulSet", false);
    pdb("app", "db-pdb", Map.of("app", "db"), 1);
    PrecheckReport r =
        api.clusterPrecheck(new UpgradeClusterRequest("lab", kubeconfig, List.of(W1), "v1.31.0"));
    assertTrue(r.checks().stream().allMatch(c -> c.passed()), r.outputTail());
  }

  @Test
  void awaitReadyAndUncordonWaitsForTheTargetVersionThenUncordons() throws Exception {
    node("w1", true, "v1.30.4", true);
    Thread kubelet =
        new Thread(
            () -> {
              try {
                Thread.sleep(300);
                node("w1", true, "v1.31.0", true); // the restarted kubelet reports its new version
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    kubelet.start();
    StepOutcome done = api.awaitReadyAndUncordon(req(W1, Duration.ofSeconds(20)));
    kubelet.join();
    assertFalse(done.alreadySatisfied(), done.summary());
    assertEquals("w1 is Ready at v1.31.0; uncordoned", done.summary());
    assertFalse(client.nodes().withName("w1").get().getSpec().getUnschedulable());
    assertTrue(api.awaitReadyAndUncordon(req(W1, Duration.ofSeconds(5))).alreadySatisfied());
  }

  @Test
  void awaitReadyTimesOutRetryablyNamingWhatItSaw() {
    node("w1", true, "v1.30.4", true);
    ActivityFailure f =
        assertThrows(
            ActivityFailure.class,
            () -> api.awaitReadyAndUncordon(req(W1, Duration.ofMillis(300))));
    ApplicationFailure a = failure(f);
    assertEquals("NodeNotReady", a.getType());
    assertFalse(a.isNonRetryable());
    assertTrue(
        a.getOriginalMessage().contains("Ready, kubelet reports v1.30.4"), a.getOriginalMessage());
    assertTrue(client.nodes().withName("w1").get().getSpec().getUnschedulable(), "not uncordoned");
  }

  @Test
  void nodeStateAndUncordonAreIdempotent() {
    node("w1", true, "v1.30.4", true);
    NodeState s = api.nodeState(req(W1, null));
    assertEquals(new NodeState("w1", "v1.30.4", true, true, s.attempt()), s);
    assertFalse(api.uncordon(req(W1, null)).alreadySatisfied());
    assertTrue(api.uncordon(req(W1, null)).alreadySatisfied());
    assertTrue(api.uncordon(req(W2, null)).alreadySatisfied(), "no such Node: nothing to uncordon");
  }

  @Test
  void deprecatedApiSeriesAreParsedFromTheMetricsText() {
    List<UpgradeApiActivitiesImpl.DeprecatedApi> d =
        UpgradeApiActivitiesImpl.DeprecatedApi.parse(
            String.join(
                "\n",
                "# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested",
                "apiserver_requested_deprecated_apis{group=\"flowcontrol.apiserver.k8s.io\",removed_release=\"1.32\","
                    + "resource=\"flowschemas\",subresource=\"\",version=\"v1beta3\"} 1",
                "apiserver_requested_deprecated_apis{group=\"\",removed_release=\"\",resource=\"componentstatuses\","
                    + "subresource=\"\",version=\"v1\"} 1",
                "apiserver_request_total{code=\"200\"} 5"));
    assertEquals(2, d.size());
    assertEquals(
        "flowcontrol.apiserver.k8s.io/v1beta3 flowschemas (removed in 1.32)", d.get(0).label());
    assertEquals("v1 componentstatuses", d.get(1).label());
  }
}
