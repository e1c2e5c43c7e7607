package dev.graft.server.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.lab.HostState;
import dev.graft.lab.Mutation;
import dev.graft.server.GraftApplication;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.temporal.EmbeddedTemporal;
import dev.graft.server.temporal.TemporalSettings;
import dev.graft.server.testing.WorkerProcesses;
import dev.graft.workflows.plan.EtcdMember;
import io.dropwizard.testing.DropwizardTestSupport;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The crash loop: the demo's expansion with its worker in a separate process (as in production),
 * killed with SIGKILL at three points in turn, each time replaced by a new worker: during the
 * pre-checks, while etcd has k8s-node2's member as a learner (added, not yet promoted: kubeadm's
 * control-plane join runs on the node, detached, and the next worker attaches to it), and while a
 * worker node runs {@code kubeadm join}. The expansion must complete, the cluster end as planned,
 * and no mutating command run twice on any host. Temporal (embedded, in this JVM) and the server
 * (API only) outlive the workers; the heartbeat timeout is 5 s so a dead worker's step moves on
 * within seconds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Run with the benchmarks (-Dgraft.bench=true): CI's crash loop is ChaosLabTest, which kills the
// only worker five times during the control-plane and worker joins (the etcd learner window
// included) with half-done joins and an API error burst on top, and asserts the same outcomes
// (completion, the cluster as planned, no mutating command twice); both together did not fit
// CI's 20 minutes. This one still covers kill points the chaos test does not aim at (pre-checks).
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "graft.bench", matches = "true")
class ExpansionCrashLoopLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Commands the lab records on every host; only their mutating invocations are compared. */
  private static final List<String> RECORDED = List.of("kubeadm", "sysctl", "modprobe", "swapoff");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LabCluster cluster;
  private EmbeddedTemporal temporal;
  private DropwizardTestSupport<GraftConfiguration> app;
  private WorkerProcesses workers;
  private String base;

  @BeforeAll
  void up() throws Exception {
    cluster = LabCluster.up("graft-crash-loop-");
    temporal = new EmbeddedTemporal("127.0.0.1", 0, new TemporalSettings());
    temporal.start();
    Path config = cluster.work.resolve("graft.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "mode: server",
            "temporal: {target: \"" + temporal.target() + "\"}",
            "auth: {anonymousRole: operator}",
            "operations: {heartbeatTimeout: 5s}",
            "server:",
            "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  requestLog: {appenders: []}",
            // The lab's kubeconfig, keys and known_hosts lie under its work directory.
            "paths: {allowedRoots: \"" + cluster.work + "\"}",
            "logging: {level: WARN}",
            ""));
    app = new DropwizardTestSupport<>(GraftApplication.class, config.toString());
    app.before();
    base = "http://127.0.0.1:" + app.getLocalPort();
    workers = new WorkerProcesses(temporal.target(), cluster.work);
  }

  @AfterAll
  void down() throws Exception {
    try {
      if (workers != null) {
        workers.close();
      }
      if (app != null) {
        app.after();
      }
      if (temporal != null) {
        temporal.stop();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void
      killedDuringPrechecksBetweenEtcdAddAndPromoteAndDuringWorkerJoinsItResumesEachTimeAndRunsNothingTwice()
          throws Exception {
    List<String> names = cluster.names();
    for (String host : names) {
      for (String command : RECORDED) {
        cluster.lab.faults().recordInvocations(host, command);
      }
    }
    // The pre-checks are one SSH round trip each: slowed down, so that the kill lands in them.
    for (String host : names.subList(1, 6)) {
      cluster.lab.faults().recordInvocations(host, "uname");
      cluster.lab.faults().delayNext(host, "uname", 1, Duration.ofSeconds(4));
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "expand");
    body.put("requestId", "crash-loop");
    body.putObject("inventory")
        .put("text", Files.readString(cluster.inventory))
        .put("file", "inventory.ini");
    body.put("kubeconfig", cluster.state.kubeconfig());
    body.putObject("options").put("maxParallel", 3);
    long t0 = System.nanoTime();
    Process worker = workers.start();
    HttpResponse<String> accepted = post("/api/v1/operations", body.toString());
    assertEquals(202, accepted.statusCode(), accepted.body());
    String id = JSON.readTree(accepted.body()).get("id").asText();

    List<String> kills = new ArrayList<>();
    // 1. During the pre-checks: a pre-check script is held in its (delayed) uname on a host.
    worker =
        killAndReplace(
            worker,
            "during pre-checks",
            kills,
            () ->
                names.subList(1, 6).stream()
                    .anyMatch(h -> !cluster.lab.host(h).mutations("uname").isEmpty()));
    // 2. Between etcd add and promote: k8s-node2's member is a learner.
    worker =
        killAndReplace(
            worker,
            "between etcd add and promote of " + names.get(1),
            kills,
            () -> learner(names.get(1)));
    // 3. During worker joins: kubeadm join runs on the infra worker.
    worker =
        killAndReplace(
            worker,
            "during the join of worker " + names.get(3),
            kills,
            () -> !joins(names.get(3)).isEmpty());

    workers.await(
        "the expansion to finish",
        Duration.ofMinutes(8),
        () -> {
          JsonNode op = get(id);
          if (op != null
              && List.of("failed", "aborted", "needs-attention")
                  .contains(op.path("state").asText())) {
            fail(
                "the expansion is "
                    + op.path("state").asText()
                    + ": "
                    + op.path("message").asText()
                    + "\n"
                    + op
                    + workers.output());
          }
          return op != null && "done".equals(op.path("state").asText());
        });
    JsonNode done = get(id);
    System.out.printf(
        "crash loop: %d SIGKILLs (%s), %d workers; the expansion completed in %.1f s%n",
        kills.size(), String.join("; ", kills), workers.started(), (System.nanoTime() - t0) / 1e9);
    assertEquals(3, kills.size());
    assertEquals(0, done.at("/result/total/failed").asInt(), done.toString());

    cluster.assertExpanded();
    for (String host : names.subList(1, 6)) {
      assertEquals(
          1,
          joins(host).size(),
          "kubeadm join on " + host + ": " + cluster.lab.host(host).mutations("kubeadm"));
    }
    assertEquals(0, joins(names.get(0)).size(), "the existing node was not joined again");
    // No mutating command ran twice on any host (reads, such as sysctl -n, may repeat).
    for (HostState h : cluster.state.hosts()) {
      Map<String, Integer> seen = new HashMap<>();
      for (Mutation m : cluster.lab.host(h.name()).mutations()) {
        if (mutating(m)) {
          seen.merge(m.command() + " " + m.args(), 1, Integer::sum);
        }
      }
      seen.forEach((cmd, n) -> assertEquals(1, n, h.name() + " ran " + n + " times: " + cmd));
    }
  }

  /** Waits for {@code point}, SIGKILLs the worker, and starts the next one. */
  private Process killAndReplace(
      Process worker, String point, List<String> kills, BooleanSupplier reached) throws Exception {
    workers.await(point, Duration.ofMinutes(4), reached);
    WorkerProcesses.kill(worker);
    kills.add(point);
    System.out.println("crash loop: killed the worker " + point);
    return workers.start();
  }

  private static boolean mutating(Mutation m) {
    return switch (m.command()) {
      case "sysctl" -> m.args().contains("=") && !m.args().startsWith("-n");
      case "kubeadm" -> !m.args().startsWith("version");
      case "uname" -> false;
      default -> true;
    };
  }

  private boolean learner(String node) {
    List<String> endpoints = List.of("https://" + cluster.state.hosts().get(0).address() + ":2379");
    EtcdTls tls =
        new EtcdTls(
            cluster.state.bootstrap().etcdCaCert(),
            cluster.state.bootstrap().etcdClientCert(),
            cluster.state.bootstrap().etcdClientKey());
    try (Client etcd = EtcdMemberReader.client(endpoints, tls, Duration.ofSeconds(2))) {
      for (EtcdMember m : new EtcdMemberReader(etcd, Duration.ofSeconds(2)).readMembers()) {
        // kubeadm names the learner only once it has started; its peer URL names it before that.
        if (m.learner()
            && (node.equals(m.name())
                || m.peerUrl().contains("//" + cluster.state.hosts().get(1).address() + ":"))) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  private List<Mutation> joins(String host) {
    return cluster.lab.host(host).mutations("kubeadm").stream()
        .filter(m -> m.args().startsWith("join"))
        .toList();
  }

  /** The operation's detail, or null while it cannot be read (no worker answers a query). */
  private JsonNode get(String id) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/operations/" + id))
                  .timeout(Duration.ofSeconds(20))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
