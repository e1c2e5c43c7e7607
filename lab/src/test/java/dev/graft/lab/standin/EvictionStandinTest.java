package dev.graft.lab.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drains against the API stand-in as Graft drains through fabric8 (`pods().withName(x).evict()`
 * over admin.conf and TLS): evictions honour PodDisruptionBudgets as kube-apiserver does.
 */
class EvictionStandinTest {
  @TempDir static Path dir;
  static ApiStandin api;
  static KubernetesClient kube;

  @BeforeAll
  static void start() throws Exception {
    api = ApiStandin.start(ApiStandin.Options.loopback(dir).withGrace(Duration.ofSeconds(2)));
    Config config = Config.fromKubeconfig(Files.readString(api.adminKubeconfig()));
    config.setRequestRetryBackoffLimit(0);
    kube = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterAll
  static void stop() {
    kube.close();
    api.close();
  }

  @Test
  void podsListedByNodeAreThatNodesPodsInEveryNamespace() {
    // Found end to end: the CRUD mock answered a spec.nodeName field selector with no pods, so a
    // drain evicted nothing while a budget-guarded pod ran on the node.
    api.createTestPod("n7", "a", "on-n7", Map.of("app", "x"));
    api.createTestPod("n7", "b", "also-on-n7", Map.of("app", "y"));
    api.createTestPod("n8", "a", "on-n8", Map.of("app", "x"));
    assertEquals(
        java.util.Set.of("on-n7", "also-on-n7"),
        kube.pods().inAnyNamespace().withField("spec.nodeName", "n7").list().getItems().stream()
            .map(p -> p.getMetadata().getName())
            .collect(java.util.stream.Collectors.toSet()));
    // A workload's pod, which a drain may evict (one no controller manages it must not).
    assertEquals(
        "ReplicaSet",
        kube.pods()
            .inNamespace("a")
            .withName("on-n7")
            .get()
            .getMetadata()
            .getOwnerReferences()
            .get(0)
            .getKind());
    assertEquals(
        java.util.List.of("on-n8"),
        kube.pods().inNamespace("a").withField("spec.nodeName", "n8").list().getItems().stream()
            .map(p -> p.getMetadata().getName())
            .toList());
  }

  @Test
  void anEvictionWithoutABudgetDeletesThePod() {
    api.createTestPod("n1", "free", "web-1", Map.of("app", "web"));
    assertTrue(kube.pods().inNamespace("free").withName("web-1").evict());
    assertNull(kube.pods().inNamespace("free").withName("web-1").get());
  }

  @Test
  void aBudgetWithNoDisruptionsAllowedRefusesWith429AndItsCause() throws Exception {
    api.createTestPod("n2", "guarded", "db-1", Map.of("app", "db"));
    api.createTestPod("n3", "guarded", "db-2", Map.of("app", "db"));
    api.createBudget("guarded", "db", Map.of("app", "db"), 0);
    // fabric8's evict() answers false on 429; the raw answer carries the API server's words.
    assertFalse(kube.pods().inNamespace("guarded").withName("db-1").evict());
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () ->
                kube.raw(
                    "/api/v1/namespaces/guarded/pods/db-2/eviction",
                    "POST",
                    Map.of(
                        "apiVersion",
                        "policy/v1",
                        "kind",
                        "Eviction",
                        "metadata",
                        Map.of("name", "db-2", "namespace", "guarded"))));
    assertEquals(429, e.getCode());
    assertTrue(
        e.getMessage()
            .contains("Cannot evict pod as it would violate the pod's" + " disruption budget."),
        e.getMessage());
    assertTrue(
        e.getStatus()
            .getDetails()
            .getCauses()
            .get(0)
            .getMessage()
            .contains("The disruption budget db needs 2 healthy pods and has 2 currently"),
        e.getStatus().toString());
    assertTrue(kube.pods().inNamespace("guarded").withName("db-2").get() != null);
    // The disruption controller's status: what a pre-check reads to find blocking budgets.
    long end = System.nanoTime() + 5_000_000_000L;
    PodDisruptionBudget pdb;
    do {
      Thread.sleep(100);
      pdb = kube.policy().v1().podDisruptionBudget().inNamespace("guarded").withName("db").get();
    } while ((pdb.getStatus() == null || pdb.getStatus().getExpectedPods() != 2)
        && System.nanoTime() < end);
    assertEquals(0, pdb.getStatus().getDisruptionsAllowed());
    assertEquals(2, pdb.getStatus().getCurrentHealthy());
    assertEquals(2, pdb.getStatus().getDesiredHealthy());
    // Without the budget the drain goes on.
    kube.policy().v1().podDisruptionBudget().inNamespace("guarded").withName("db").delete();
    assertTrue(kube.pods().inNamespace("guarded").withName("db-1").evict());
  }

  @Test
  void aMissingPodIs404() {
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () ->
                kube.raw(
                    "/api/v1/namespaces/nowhere/pods/ghost/eviction",
                    "POST",
                    Map.of(
                        "apiVersion",
                        "policy/v1",
                        "kind",
                        "Eviction",
                        "metadata",
                        Map.of("name", "ghost", "namespace", "nowhere"))));
    assertEquals(404, e.getCode());
  }
}
