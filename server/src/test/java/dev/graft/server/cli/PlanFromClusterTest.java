package dev.graft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.server.operations.UpgradeClusters;
import dev.graft.server.testing.LocalEtcd;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
  KubernetesClient client;
  @TempDir Path dir;
  LocalEtcd etcd;

  @AfterEach
  void stop() throws InterruptedException {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void readsNodesFromTheApiAndMembersFromEtcd() throws Exception {
    etcd = LocalEtcd.start(dir);
    String c = etcd.clientUrl();
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("cp1")
                .withLabels(Map.of("node-role.kubernetes.io/control-plane", ""))
                .endMetadata()
                .withNewSpec()
                .withPodCIDR("10.244.0.0/24")
                .endSpec()
                .withNewStatus()
                .addNewAddress()
                .withType("InternalIP")
                .withAddress("10.0.0.1")
                .endAddress()
                .endStatus()
                .build())
        .create();
    Path kubeconfig = UpgradeClusters.kubeconfig(client, dir);
    Path inventory =
        Files.writeString(
            dir.resolve("cluster.yaml"),
            String.join(
                "\n",
                "apiVersion: graft.dev/v1",
                "kind: Cluster",
                "name: lab",
                "etcd: {topology: stacked, endpoints: [" + c + "]}",
                "nodes:",
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
      code =
          PlanCommand.execute(
              inventory.toString(),
              "text",
              null,
              false,
              kubeconfig.toString(),
              5,
              true,
              hosts -> Set.of(),
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

  /**
   * The orphan pre-check in every plan, and {@code graft plan --remove}: a learner that never
   * started (added on real etcd, as a crashed join leaves it) and a NotReady Node that no inventory
   * host stands for are reported with their proposed steps by the expansion plan, the removal plan
   * and the orphans-only plan; removing the only control plane is refused.
   */
  @Test
  void everyPlanReportsOrphansAndRemovalsArePlannedFromTheCluster() throws Exception {
    etcd = LocalEtcd.start(dir);
    String c = etcd.clientUrl();
    node(
        "cp1",
        "127.0.0.1",
        true,
        "True"); // where its etcd member listens: the member has this Node
    node("w1", "10.0.0.4", false, "True");
    node("ghost", "10.0.0.9", false, "Unknown");
    String learnerId;
    try (io.etcd.jetcd.Client etcdClient = io.etcd.jetcd.Client.builder().endpoints(c).build()) {
      awaitLeader(etcdClient);
      learnerId =
          Long.toHexString(
              etcdClient
                  .getClusterClient()
                  // On loopback, where nothing listens: the leader's attempts to reach it stay on
                  // this machine.
                  .addMember(
                      List.of(java.net.URI.create("http://127.0.0.1:" + LocalEtcd.freePort())),
                      true)
                  .get(10, TimeUnit.SECONDS)
                  .getMember()
                  .getId());
    }
    Path kubeconfig = UpgradeClusters.kubeconfig(client, dir);
    Path inventory =
        Files.writeString(
            dir.resolve("cluster.yaml"),
            String.join(
                "\n",
                "apiVersion: graft.dev/v1",
                "kind: Cluster",
                "name: lab",
                "etcd: {topology: stacked, endpoints: [" + c + "]}",
                "nodes:",
                "  - {name: cp1, address: 127.0.0.1, roles: [control-plane, etcd]}",
                "  - {name: w1, address: 10.0.0.4, roles: [worker]}",
                "  - {name: w2, address: 10.0.0.5, roles: [worker]}"));

    Run expand =
        run(
            () ->
                PlanCommand.execute(
                    inventory.toString(),
                    "text",
                    null,
                    false,
                    kubeconfig.toString(),
                    5,
                    true,
                    hosts -> Set.of(),
                    out(),
                    err()));
    assertEquals(0, expand.code(), expand.all());
    assertTrue(expand.out().contains("+ w2"), expand.out());
    assertTrue(!expand.out().contains("[orphan-member-without-node]"), expand.out());
    assertTrue(
        expand.out().contains("[orphan-learner]")
            && expand.out().contains(learnerId)
            && expand.out().contains("never started")
            && expand.out().contains("proposed step: remove etcd member " + learnerId + " by id"),
        expand.out());
    assertTrue(
        expand.out().contains("ghost: Node ghost is not Ready and no inventory host stands for it")
            && expand.out().contains("proposed step: delete Node ghost")
            && expand.out().contains("[orphan-node-without-host]"),
        expand.out());

    Run remove =
        run(
            () ->
                PlanCommand.executeRemove(
                    inventory.toString(),
                    "text",
                    kubeconfig.toString(),
                    new dev.graft.server.operations.ExpandRequest.Remove(
                        List.of("w1"), null, null, null, null, null),
                    true,
                    hosts -> Set.of(),
                    out(),
                    err()));
    assertEquals(0, remove.code(), remove.all());
    assertTrue(remove.out().contains("Graft removal plan for cluster \"lab\""), remove.out());
    assertTrue(
        remove.out().contains("w1 (worker): cordon and drain, kubeadm reset -f, delete the Node"),
        remove.out());
    assertTrue(
        remove.out().contains("[orphan-learner]")
            && remove.out().contains("[orphan-node-without-host]"),
        remove.out());
    assertTrue(remove.out().contains("Plan: 1 node(s) to remove; 2 orphan(s) found"), remove.out());

    Run orphansOnly =
        run(
            () ->
                PlanCommand.executeRemove(
                    inventory.toString(),
                    "json",
                    kubeconfig.toString(),
                    new dev.graft.server.operations.ExpandRequest.Remove(
                        List.of(), null, null, true, null, null),
                    true,
                    hosts -> Set.of(),
                    out(),
                    err()));
    assertEquals(0, orphansOnly.code(), orphansOnly.all());
    com.fasterxml.jackson.databind.JsonNode plan =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(orphansOnly.out());
    assertEquals(0, plan.path("nodes").size(), orphansOnly.out());
    assertTrue(plan.path("cleanOrphans").asBoolean(), orphansOnly.out());
    assertEquals(
        List.of("orphan-learner", "orphan-node-without-host"),
        codes(plan.path("warnings")).stream()
            .filter(x -> x.startsWith("orphan-"))
            .sorted()
            .toList(),
        orphansOnly.out());

    Run nothing =
        run(
            () ->
                PlanCommand.executeRemove(
                    inventory.toString(),
                    "text",
                    kubeconfig.toString(),
                    new dev.graft.server.operations.ExpandRequest.Remove(
                        List.of(), null, null, null, null, null),
                    true,
                    hosts -> Set.of(),
                    out(),
                    err()));
    assertEquals(1, nothing.code(), nothing.all());
    assertTrue(
        nothing.err().contains("--remove: is required")
            && nothing
                .err()
                .contains("--clean-orphans to remove" + " only what earlier changes left behind"),
        nothing.all());

    Run last =
        run(
            () ->
                PlanCommand.executeRemove(
                    inventory.toString(),
                    "text",
                    kubeconfig.toString(),
                    new dev.graft.server.operations.ExpandRequest.Remove(
                        List.of("cp1"), null, null, null, null, null),
                    true,
                    hosts -> Set.of(),
                    out(),
                    err()));
    assertEquals(1, last.code(), last.all());
    assertTrue(
        last.out().contains("[RemoveLastControlPlane]") && last.out().contains("Plan REFUSED"),
        last.out());
  }

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

  private PrintStream out() {
    return new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  }

  private PrintStream err() {
    return new PrintStream(errBytes, true, StandardCharsets.UTF_8);
  }

  record Run(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  private Run run(java.util.function.IntSupplier command) {
    outBytes.reset();
    errBytes.reset();
    int code = command.getAsInt();
    return new Run(
        code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
  }

  private static List<String> codes(com.fasterxml.jackson.databind.JsonNode messages) {
    List<String> out = new java.util.ArrayList<>();
    messages.forEach(m -> out.add(m.path("code").asText()));
    return out;
  }

  private static void awaitLeader(io.etcd.jetcd.Client client) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        client
            .getMaintenanceClient()
            .statusMember(
                client
                    .getClusterClient()
                    .listMember()
                    .get(2, TimeUnit.SECONDS)
                    .getMembers()
                    .get(0)
                    .getClientURIs()
                    .get(0)
                    .toString())
            .get(2, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private void node(String name, String ip, boolean controlPlane, String ready) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(
                    controlPlane ? Map.of("node-role.kubernetes.io/control-plane", "") : Map.of())
                .endMetadata()
                .withNewStatus()
                .addNewAddress()
                .withType("InternalIP")
                .withAddress(ip)
                .endAddress()
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready)
                .endCondition()
                .endStatus()
                .build())
        .create();
  }
}
