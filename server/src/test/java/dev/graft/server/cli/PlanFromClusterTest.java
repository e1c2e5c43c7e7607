package dev.graft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.server.testing.Prereqs;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graft plan --kubeconfig}: nodes from the fabric8 mock server (CRUD mode, the stand-in
 * kube-apiserver) and members from a real etcd on 127.0.0.1, started here and killed by PID.
 */
@EnableKubernetesMockClient(crud = true)
class PlanFromClusterTest {
  static final Path ETCD = Path.of("/usr/bin/etcd");
  KubernetesClient client;
  @TempDir Path dir;
  Process etcd;

  @AfterEach
  void stop() throws InterruptedException {
    if (etcd != null) {
      etcd.destroy();
      if (!etcd.waitFor(5, TimeUnit.SECONDS)) {
        etcd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void readsNodesFromTheApiAndMembersFromEtcd() throws Exception {
    Prereqs.require("etcd", ETCD);
    int clientPort = freePort();
    int peerPort = freePort();
    String c = "http://127.0.0.1:" + clientPort;
    String p = "http://127.0.0.1:" + peerPort;
    etcd = new ProcessBuilder(ETCD.toString(), "--name", "cp1", "--data-dir",
        dir.resolve("etcd").toString(), "--listen-client-urls", c, "--advertise-client-urls", c,
        "--listen-peer-urls", p, "--initial-advertise-peer-urls", p, "--initial-cluster",
        "cp1=" + p).redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile())
        .start();
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("cp1")
        .withLabels(Map.of("node-role.kubernetes.io/control-plane", "")).endMetadata()
        .withNewSpec().withPodCIDR("10.244.0.0/24").endSpec().withNewStatus().addNewAddress()
        .withType("InternalIP").withAddress("10.0.0.1").endAddress().endStatus().build())
        .create();
    Path kubeconfig = Files.writeString(dir.resolve("admin.conf"), String.join("\n",
        "apiVersion: v1", "kind: Config", "clusters:",
        "- name: mock", "  cluster:", "    server: " + client.getMasterUrl(),
        "    insecure-skip-tls-verify: true", "users:", "- name: admin", "  user:",
        "    token: stand-in", "contexts:", "- name: mock", "  context: {cluster: mock,"
            + " user: admin}", "current-context: mock"));
    Path inventory = Files.writeString(dir.resolve("cluster.yaml"), String.join("\n",
        "apiVersion: graft.dev/v1", "kind: Cluster", "name: lab",
        "etcd: {topology: stacked, endpoints: [" + c + "]}", "nodes:",
        "  - {name: cp1, address: 10.0.0.1, roles: [control-plane, etcd]}",
        "  - {name: cp2, address: 10.0.0.2, roles: [control-plane, etcd]}",
        "  - {name: cp3, address: 10.0.0.3, roles: [control-plane, etcd]}",
        "  - {name: w1, address: 10.0.0.4, roles: [worker]}"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) { // etcd needs a moment to elect itself
      out.reset();
      err.reset();
      code = PlanCommand.execute(inventory.toString(), "text", null, false,
          kubeconfig.toString(), 5, true, hosts -> Set.of(),
          new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));
      if (code == 0) {
        break;
      }
      Thread.sleep(200);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, text + err.toString(StandardCharsets.UTF_8));
    assertTrue(text.contains("1 node(s), 1 etcd member(s)"), text);
    assertTrue(text.contains("quorum: 1 -> 2 members"), text);
    assertTrue(text.contains("+ w1"), text);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
