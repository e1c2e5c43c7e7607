package dev.graft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.operations.UpgradeClusters;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft plan --upgrade}: versions from the fabric8 mock server (CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class PlanUpgradeTest {
  KubernetesClient client;
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private Run plan(String output, String to, String maxUnavailable) throws Exception {
    Path inventory =
        Files.writeString(
            dir.resolve("cluster.yaml"),
            String.join(
                "\n",
                "apiVersion: graft.dev/v1",
                "kind: Cluster",
                "name: lab",
                "nodes:",
                "  - {name: cp1, address: 10.0.0.1, roles: [control-plane, etcd]}",
                "  - {name: cp2, address: 10.0.0.2, roles: [control-plane, etcd]}",
                "  - {name: cp3, address: 10.0.0.3, roles: [control-plane, etcd]}",
                "  - {name: w1, address: 10.0.0.4, roles: [worker]}",
                "  - {name: w2, address: 10.0.0.5, roles: [worker]}",
                "  - {name: w3, address: 10.0.0.6, roles: [worker]}"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        PlanCommand.executeUpgrade(
            inventory.toString(),
            output,
            UpgradeClusters.kubeconfig(client, dir).toString(),
            to,
            maxUnavailable,
            null,
            true,
            hosts -> Set.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private void cluster(String w3) {
    UpgradeClusters.kubeadmConfig(client, "v1.30.2");
    UpgradeClusters.node(client, "cp1", true, "v1.30.2", true);
    UpgradeClusters.node(client, "cp2", true, "v1.30.2", true);
    UpgradeClusters.node(client, "cp3", true, "v1.30.2", true);
    UpgradeClusters.node(client, "w1", false, "v1.30.2", true);
    UpgradeClusters.node(client, "w2", false, "v1.30.2", true);
    UpgradeClusters.node(client, "w3", false, w3, true);
    UpgradeClusters.node(client, "stray", false, "v1.30.2", true);
  }

  @Test
  void printsTheOrderControlPlanesFirstThenWorkerBatches() throws Exception {
    cluster("v1.31.0");
    Run r = plan("text", "v1.31.0", "2");
    assertEquals(0, r.code(), r.out() + r.err());
    String t = r.out();
    assertTrue(t.startsWith("Graft upgrade plan for cluster \"lab\": v1.30.2 -> v1.31.0\n"), t);
    assertTrue(t.contains("1. Pre-checks on every node"), t);
    assertTrue(t.contains("2. etcd snapshot on cp1"), t);
    assertTrue(t.contains("4.1 cp1 (kubelet v1.30.2): kubeadm upgrade apply v1.31.0"), t);
    assertTrue(t.contains("4.2 cp2 (kubelet v1.30.2): kubeadm upgrade node"), t);
    assertTrue(t.contains("4.3 cp3 (kubelet v1.30.2): kubeadm upgrade node"), t);
    assertTrue(t.contains("5. Workers: 3 workers, up to 2 at once (drain timeout 5m)"), t);
    assertTrue(t.contains("5.1 batch 1: w1 (kubelet v1.30.2), w2 (kubelet v1.30.2)"), t);
    assertTrue(t.contains("5.2 batch 2: w3 (already at v1.31.0)"), t);
    assertTrue(
        t.contains("! stray: the cluster has Node stray, which the inventory does not list"), t);
    assertTrue(
        t.contains(
            "Plan: 6 node(s) to upgrade to v1.31.0 (3 control plane, 3 worker; 1 already at v1.31.0)"),
        t);

    Run json = plan("json", "v1.31.0", "50%");
    assertEquals(0, json.code(), json.err());
    JsonNode p = new ObjectMapper().readTree(json.out());
    assertEquals(2, p.get("maxUnavailable").asInt());
    assertEquals("v1.30.2", p.get("from").asText());
    assertEquals(2, p.get("workerBatches").size());
  }

  @Test
  void aSkippedMinorIsRefusedWithTheFixAndExitsOne() throws Exception {
    cluster("v1.30.2");
    Run r = plan("text", "v1.32.0", null);
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "x the cluster runs v1.30.2; v1.32.0 skips a minor version: upgrade to v1.31.x first [UpgradeSkipsMinor]"),
        r.out());
    assertTrue(
        r.out().contains("Plan REFUSED: 1 refusal(s) above. Nothing will be changed."), r.out());
    Run bad = plan("text", "v1.31.0", "0");
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("--max-unavailable: \"0\" is neither"), bad.err());
  }
}
