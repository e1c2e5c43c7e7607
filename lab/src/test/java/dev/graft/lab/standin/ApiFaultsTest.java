package dev.graft.lab.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API stand-in's injected faults: which requests they hit, for how long, and what a client
 * sees.
 */
class ApiFaultsTest {
  @TempDir static Path dir;
  static ApiStandin api;
  static KubernetesClient kube;

  @BeforeAll
  static void start() throws Exception {
    api = ApiStandin.start(ApiStandin.Options.loopback(dir));
    Config config = Config.fromKubeconfig(Files.readString(api.adminKubeconfig()));
    config.setRequestRetryBackoffLimit(0);
    kube = new KubernetesClientBuilder().withConfig(config).build();
    kube.configMaps()
        .inNamespace("default")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("probe")
                .endMetadata()
                .withData(Map.of("k", "v"))
                .build())
        .create();
  }

  @AfterAll
  static void stop() {
    kube.close();
    api.close();
  }

  private static List<Boolean> draws(ApiFaults f, int n, String path) {
    List<Boolean> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(f.decide("GET", path) != null);
    }
    return out;
  }

  @Test
  void aSeededFaultHitsTheSameRequestsEveryTimeAndAboutItsFraction() {
    ApiFaults.Fault fault =
        new ApiFaults.Fault(ApiFaults.Kind.ERROR_500, 0.3, null, "/api/v1/nodes", null, 42L);
    ApiFaults a = new ApiFaults();
    a.inject(fault);
    ApiFaults b = new ApiFaults();
    b.inject(fault);
    List<Boolean> first = draws(a, 1000, "/api/v1/nodes/n1");
    assertEquals(first, draws(b, 1000, "/api/v1/nodes/n1"));
    long hits = first.stream().filter(x -> x).count();
    assertTrue(hits > 240 && hits < 360, hits + " of 1000");
    assertEquals(hits, a.hits());
    assertNull(a.decide("GET", "/api/v1/namespaces/kube-system/configmaps/x"), "other paths pass");
  }

  @Test
  void aFaultEndsAfterItsDurationOrWhenCleared() {
    long[] now = {0};
    ApiFaults f = new ApiFaults(() -> now[0]);
    f.inject(
        ApiFaults.Fault.all(ApiFaults.Kind.CLOSE, Duration.ofSeconds(10))
            .onlyFor("post", "/apis/certificates.k8s.io/"));
    assertEquals(
        ApiFaults.Kind.CLOSE,
        f.decide("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests"));
    assertNull(
        f.decide("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests"), "only POST");
    now[0] += Duration.ofSeconds(10).toNanos();
    assertNull(f.decide("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests"));
    assertFalse(f.active());
    f.inject(ApiFaults.Fault.all(ApiFaults.Kind.ERROR_500, null));
    assertTrue(f.active());
    f.clear();
    assertNull(f.decide("GET", "/api/v1/nodes"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ApiFaults.Fault(ApiFaults.Kind.CLOSE, 0, null, null, null, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ApiFaults.Fault(ApiFaults.Kind.CLOSE, 1.5, null, null, null, null));
  }

  @Test
  void overTlsA500IsAnApiErrorAndACloseIsAnIoErrorAndTheControllersAreSpared() {
    api.faults()
        .inject(
            ApiFaults.Fault.all(ApiFaults.Kind.ERROR_500, Duration.ofMinutes(1))
                .onlyFor("GET", "/api/v1/nodes"));
    try {
      KubernetesClientException e =
          assertThrows(KubernetesClientException.class, () -> kube.nodes().withName("n1").get());
      assertEquals(500, e.getCode(), e.toString());
      assertTrue(e.getMessage().contains("injected by the lab"), e.getMessage());
      // Another path, and the stand-in's own client (its controllers), are not hit.
      assertEquals(
          "v", kube.configMaps().inNamespace("default").withName("probe").get().getData().get("k"));
      assertTrue(api.client().nodes().list().getItems().isEmpty());
    } finally {
      api.faults().clear();
    }

    api.faults()
        .inject(
            ApiFaults.Fault.all(ApiFaults.Kind.CLOSE, Duration.ofMinutes(1))
                .onlyFor(null, "/api/v1/namespaces/default/configmaps"));
    try {
      KubernetesClientException e =
          assertThrows(
              KubernetesClientException.class,
              () -> kube.configMaps().inNamespace("default").withName("probe").get());
      assertTrue(e.getCode() <= 0, "no HTTP answer: " + e);
      Throwable root = e;
      while (root.getCause() != null && !(root instanceof IOException)) {
        root = root.getCause();
      }
      assertTrue(root instanceof IOException, "an I/O error: " + e);
      assertNull(kube.nodes().withName("n1").get(), "other paths answer on a new connection");
    } finally {
      api.faults().clear();
    }
    assertEquals(
        "v", kube.configMaps().inNamespace("default").withName("probe").get().getData().get("k"));
  }
}
