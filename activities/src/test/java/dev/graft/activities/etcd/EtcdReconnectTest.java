package dev.graft.activities.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.testing.Prereqs;
import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.etcd.EndpointHealth;
import dev.graft.workflows.etcd.EtcdActivities;
import dev.graft.workflows.etcd.GateRequest;
import dev.graft.workflows.etcd.GateResult;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a quorum-gate retry right after an etcd member came back still reported "Connection
 * refused" for it, because the worker's cached client for that member's endpoint sat in gRPC's
 * reconnect backoff (1 s growing by 1.6 to 120 s) and failed every call fast until the backoff ran
 * out. Three real etcd members (/usr/bin/etcd, plain HTTP on 127.0.0.1): m2 is killed, the gate
 * refuses naming it for a few seconds, m2 starts again, and the first gate after m2 answers a fresh
 * client passes.
 */
class EtcdReconnectTest {
  static final Path ETCD = Path.of("/usr/bin/etcd");
  @TempDir Path dir;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private EtcdClients clients;
  private TestActivityEnvironment env;

  record Node(String name, String client, String peer) {}

  @AfterEach
  void stop() throws Exception {
    if (env != null) {
      env.close();
    }
    if (clients != null) {
      clients.close();
    }
    for (Process p : processes.values()) {
      p.destroy();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Node node(String name) throws IOException {
    return new Node(name, "http://127.0.0.1:" + freePort(), "http://127.0.0.1:" + freePort());
  }

  private void start(Node n, String initialCluster) throws IOException {
    Process p =
        new ProcessBuilder(
                ETCD.toString(),
                "--name",
                n.name(),
                "--data-dir",
                dir.resolve(n.name()).toString(),
                "--listen-client-urls",
                n.client(),
                "--advertise-client-urls",
                n.client(),
                "--listen-peer-urls",
                n.peer(),
                "--initial-advertise-peer-urls",
                n.peer(),
                "--initial-cluster",
                initialCluster,
                "--initial-cluster-state",
                "new")
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve(n.name() + ".log").toFile()))
            .start();
    processes.put(n.name(), p);
  }

  /**
   * Whether the member answers a client made for this question only (its own new channel, so no
   * backoff of an earlier client applies): a status that sees a leader, and a linearizable read.
   */
  private static boolean answersAFreshClient(Node n) throws Exception {
    try (Client c =
        EtcdMemberReader.client(
            List.of(n.client()), new EtcdTls(null, null, null), Duration.ofSeconds(2))) {
      StatusResponse s = c.getMaintenanceClient().statusMember(n.client()).get(2, TimeUnit.SECONDS);
      c.getKVClient()
          .get(ByteSequence.from("health", StandardCharsets.UTF_8))
          .get(2, TimeUnit.SECONDS);
      return s.getLeader() != 0;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  private static void awaitFresh(Node n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!answersAFreshClient(n)) {
      assertTrue(System.nanoTime() < deadline, n.name() + " did not answer within 30 s");
      Thread.sleep(100);
    }
  }

  @Test
  void theFirstGateAfterADeadMemberReturnsPasses() throws Exception {
    Prereqs.require("etcd", ETCD);
    Node n1 = node("m1");
    Node n2 = node("m2");
    Node n3 = node("m3");
    String initial = "m1=" + n1.peer() + ",m2=" + n2.peer() + ",m3=" + n3.peer();
    for (Node n : List.of(n1, n2, n3)) {
      start(n, initial);
    }
    for (Node n : List.of(n1, n2, n3)) {
      awaitFresh(n);
    }
    clients = new EtcdClients(Duration.ofSeconds(2));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new EtcdActivitiesImpl(clients));
    EtcdActivities etcd = env.newActivityStub(EtcdActivities.class);
    EtcdSpec spec =
        new EtcdSpec(
            EtcdTopology.EXTERNAL,
            List.of(n1.client(), n2.client(), n3.client()),
            null,
            null,
            null);
    Node n4 = node("m4");
    GateRequest gate = new GateRequest("t", spec, "m4", n4.peer(), List.of(n4.peer()), true);

    GateResult before = etcd.gate(gate);
    assertFalse(before.alreadySatisfied(), before.summary());

    // m2 dies; every gate during the outage refuses, naming it. Each refusal made the worker's
    // clients try m2 again, so a cached channel's reconnect backoff has grown to several seconds.
    processes.get("m2").destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    long outageEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
    int refusals = 0;
    while (System.nanoTime() < outageEnds) {
      ActivityFailure refused = assertThrows(ActivityFailure.class, () -> etcd.gate(gate));
      ApplicationFailure af = (ApplicationFailure) refused.getCause();
      // Right after the kill a call may still be routed to m2's channel and time out: a
      // retryable EtcdUnavailable (the engine calls again), never a pass.
      if (!"EtcdUnavailable".equals(af.getType())) {
        assertEquals("QuorumGateRefused", af.getType());
        assertTrue(
            af.getOriginalMessage().contains("member m2 (" + n2.peer() + ") is unhealthy"),
            af.getOriginalMessage());
        refusals++;
      }
      Thread.sleep(500);
    }
    assertTrue(refusals >= 3, "refused " + refusals + " times");

    // m2 comes back; as soon as it answers a client of its own, the very next gate passes.
    start(n2, initial);
    awaitFresh(n2);
    GateResult after = etcd.gate(gate);
    assertFalse(after.alreadySatisfied(), after.summary());
    assertTrue(after.outputTail().contains("m2"), after.outputTail());
    List<EndpointHealth> health = etcd.health(new ClusterRequest("t", spec));
    assertTrue(health.stream().allMatch(EndpointHealth::healthy), health.toString());
  }
}
