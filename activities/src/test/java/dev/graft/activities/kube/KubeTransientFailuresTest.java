package dev.graft.activities.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.temporal.failure.ApplicationFailure;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A busy or restarting kube-apiserver (issue 14): a 500, a connection closed without an answer and
 * a server that never answers each fail one bounded request, once (fabric8 does not retry on its
 * own), as a retryable KubeApiError, so Temporal's retry policy is what rides out the burst.
 */
@EnableKubernetesMockClient
class KubeTransientFailuresTest {
  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;

  private static ApplicationFailure mapped(KubernetesClient kube) {
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> kube.nodes().withName("n1").get());
    return KubeFailures.toApplicationFailure("read Node n1", e);
  }

  private static String kubeconfig(String url) {
    return String.join(
        "\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: c",
        "  cluster: {server: \"" + url + "\", insecure-skip-tls-verify: true}",
        "users:",
        "- name: u",
        "  user: {token: t}",
        "contexts:",
        "- name: c",
        "  context: {cluster: c, user: u}",
        "current-context: c",
        "");
  }

  @Test
  void aBurstOf500sIsOneRetryableFailurePerAttemptThenTheReadSucceeds() throws Exception {
    server
        .expect()
        .get()
        .withPath("/api/v1/nodes/n1")
        .andReturn(
            500, "{\"kind\":\"Status\",\"code\":500,\"message\":\"etcdserver: leader changed\"}")
        .times(3);
    server
        .expect()
        .get()
        .withPath("/api/v1/nodes/n1")
        .andReturn(200, new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build())
        .once();
    String yaml = Files.readString(MockKubeconfig.write(client, dir));
    // 10 s, as GraftWorker's 15 s: a 2 s bound turned into timeouts on a loaded 2-core machine.
    try (KubernetesClient kube = KubeClients.fromKubeconfig(yaml, Duration.ofSeconds(10))) {
      int before = server.getRequestCount();
      for (int attempt = 1; attempt <= 3; attempt++) {
        ApplicationFailure f = mapped(kube);
        assertEquals("KubeApiError", f.getType());
        assertFalse(f.isNonRetryable());
        assertTrue(f.getOriginalMessage().contains("HTTP 500"), f.getOriginalMessage());
        assertEquals(before + attempt, server.getRequestCount(), "fabric8 sent the request once");
      }
      assertEquals("n1", kube.nodes().withName("n1").get().getMetadata().getName());
    }
  }

  @Test
  void aClosedConnectionAndASilentServerAreRetryableAndBounded() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    List<Socket> held = new ArrayList<>();
    try (ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread closer =
          new Thread(
              () -> {
                while (!closing.isClosed()) {
                  try (Socket s = closing.accept()) {
                    accepted.incrementAndGet();
                    s.getInputStream()
                        .read(new byte[4096]); // the request arrives, no answer follows
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      closer.setDaemon(true);
      closer.start();
      Thread hold =
          new Thread(
              () -> {
                while (!silent.isClosed()) {
                  try {
                    Socket s = silent.accept();
                    synchronized (held) {
                      held.add(s);
                    }
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      hold.setDaemon(true);
      hold.start();

      try (KubernetesClient kube =
          KubeClients.fromKubeconfig(
              kubeconfig("http://127.0.0.1:" + closing.getLocalPort()), Duration.ofSeconds(2))) {
        ApplicationFailure f = mapped(kube);
        assertEquals("KubeApiError", f.getType());
        assertFalse(f.isNonRetryable());
        // fabric8 sends it once (requestRetryBackoffLimit 0); the JDK HttpClient under it resends
        // an idempotent GET once, at once, when the connection closes before any answer. That is
        // the 0-1 retries STYLE allows, not a backoff stacked under Temporal's.
        assertTrue(accepted.get() <= 2, accepted.get() + " connections");
      }
      try (KubernetesClient kube =
          KubeClients.fromKubeconfig(
              kubeconfig("http://127.0.0.1:" + silent.getLocalPort()), Duration.ofSeconds(2))) {
        long t0 = System.nanoTime();
        ApplicationFailure f = mapped(kube);
        long took = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertEquals("KubeApiError", f.getType());
        assertFalse(f.isNonRetryable());
        assertTrue(took < 5_000, "bounded by the 2 s request timeout, took " + took + " ms");
      }
    } finally {
      synchronized (held) {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }
}
