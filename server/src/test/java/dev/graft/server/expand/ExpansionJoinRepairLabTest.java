package dev.graft.server.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.server.GraftApplication;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.auth.TokenAuthenticator;
import io.dropwizard.testing.DropwizardTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 14 end to end: the demo's expansion through REST while the kubeadm stand-in fails once,
 * half-way, on a control-plane node (after its etcd learner was added) and on a worker (in
 * kubelet-start, after writing its files), exactly as kubeadm fails and leaves the node. With no
 * operator action the expansion completes: the join step's next attempt repairs the node (removes
 * the half-added member, kubeadm reset -f) and joins. The cluster ends as planned (3 voters, no
 * learner, every Node Ready) and the audit trail shows each failed attempt and the repair.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpansionJoinRepairLabTest {
  private static final String VIEWER = "graft_viewer-token-for-the-e2e-test";
  private static final String OPERATOR = "graft_operator-token-for-the-e2e-test";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BOOTSTRAP_TOKEN = Pattern.compile("\\b[a-z0-9]{6}\\.[a-z0-9]{16}\\b");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LabCluster cluster;
  private DropwizardTestSupport<GraftConfiguration> app;
  private String base;

  @BeforeAll
  void up() throws Exception {
    cluster = LabCluster.up("graft-e2e-repair-");
    Path config = cluster.work.resolve("graft.yml");
    Files.writeString(config, String.join("\n",
        "mode: dev",
        "dev: {temporalBindHost: 127.0.0.1, temporalPort: 0}",
        "temporal: {namespace: default, taskQueue: graft}",
        "auth:",
        "  tokens:",
        "    - {name: vera, role: viewer, sha256: " + TokenAuthenticator.sha256(VIEWER) + "}",
        "    - {name: otto, role: operator, sha256: " + TokenAuthenticator.sha256(OPERATOR) + "}",
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
  }

  @AfterAll
  void down() throws Exception {
    try {
      if (app != null) {
        app.after();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void halfDoneJoinsAreRepairedWithoutAnOperatorAndTheClusterEndsAsPlanned() throws Exception {
    for (String host : cluster.names()) {
      cluster.lab.faults().recordInvocations(host, "kubeadm");
    }
    String cp = cluster.names().get(2);
    String worker = cluster.names().get(4);
    cluster.lab.faults().failJoinAfter(cp, "control-plane-join/etcd", 1);
    cluster.lab.faults().failJoinAfter(worker, "kubelet-start", 1);
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "expand");
    body.put("requestId", "e2e-repair");
    body.putObject("inventory").put("text", Files.readString(cluster.inventory)).put("file", "inventory.ini");
    body.put("kubeconfig", cluster.state.kubeconfig());
    body.putObject("options").put("maxParallel", 3);
    HttpResponse<String> accepted = send("POST", "/api/v1/operations", OPERATOR, body.toString());
    assertEquals(202, accepted.statusCode(), accepted.body());
    String id = JSON.readTree(accepted.body()).get("id").asText();

    JsonNode done = await(id, "done", Duration.ofMinutes(10));
    assertEquals(0, done.at("/result/total").get("failed").asInt(), done.toString());
    for (JsonNode n : done.at("/result/nodes")) {
      assertEquals("joined", n.get("outcome").asText(), n.toString());
    }
    cluster.assertExpanded();

    // kubeadm's own log of calls: the faulted hosts ran join twice with one reset between (the
    // repair), every other new host joined once; nothing else reset anything.
    List<String> kubeadm = cluster.mutations("kubeadm");
    for (String host : cluster.names().subList(1, 6)) {
      List<String> mine = kubeadm.stream().filter(m -> m.startsWith(host + ": ")).map(m -> m.substring(host.length() + 2))
          .filter(m -> m.startsWith("join ") || m.startsWith("reset ")).map(m -> m.substring(0, m.indexOf(' '))).toList();
      boolean faulted = host.equals(cp) || host.equals(worker);
      assertEquals(faulted ? List.of("join", "reset", "join") : List.of("join"), mine, host + ": " + kubeadm);
    }

    // The audit trail: attempt 1 failed with kubeadm's own error (its output kept), and the join
    // that completed is attempt 2, saying what it repaired first. Graft retried, nobody else.
    HttpResponse<String> history = send("GET", "/api/v1/operations/" + id + "/history", VIEWER, null);
    assertEquals(200, history.statusCode(), history.body());
    JsonNode entries = JSON.readTree(history.body()).path("entries");
    for (String host : List.of(cp, worker)) {
      JsonNode failed = find(entries, e -> isJoin(e, host) && "failed".equals(e.path("outcome").asText()));
      assertEquals(1, failed.path("attempt").asInt(), failed.toString());
      String cause = host.equals(cp) ? "can only promote a learner member which is in sync with leader"
          : "timed out waiting for the condition";
      assertTrue(failed.path("output").asText().contains(cause), failed.toString());
      JsonNode ok = find(entries, e -> isJoin(e, host) && "completed".equals(e.path("outcome").asText()));
      assertEquals(2, ok.path("attempt").asInt(), ok.toString());
      assertTrue(ok.path("detail").asText().startsWith("repaired a half-done join ("), ok.toString());
      if (host.equals(cp)) {
        assertTrue(ok.path("detail").asText().contains("removed learner " + host), ok.toString());
      }
      System.out.println("e2e repair " + host + ": attempt 1 failed: " + failed.path("detail").asText()
          + " | attempt 2: " + ok.path("detail").asText());
    }
    assertTrue(entries.findValues("decision").isEmpty(), "no operator decision was needed: " + entries);
    assertFalse(BOOTSTRAP_TOKEN.matcher(history.body()).find(), "a bootstrap token in the audit trail");
  }

  private static boolean isJoin(JsonNode e, String host) {
    return "activity".equals(e.path("kind").asText()) && host.equals(e.path("node").asText())
        && e.path("step").asText().toLowerCase().contains("join");
  }

  private JsonNode await(String id, String state, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    JsonNode op = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = send("GET", "/api/v1/operations/" + id, VIEWER, null);
      if (r.statusCode() == 200) {
        op = JSON.readTree(r.body());
        String now = op.path("state").asText() + " " + op.path("message").asText("");
        if (!now.equals(last)) {
          System.out.println("e2e REST: " + now);
          last = now;
        }
        if (state.equals(op.path("state").asText())) {
          return op;
        }
        if (List.of("failed", "aborted", "done").contains(op.path("state").asText())) {
          fail("operation ended " + op.path("state").asText() + " while waiting for " + state + ": " + op);
        }
      }
      Thread.sleep(500);
    }
    fail("timed out after " + timeout + " waiting for " + state + ": " + op);
    return null;
  }

  private static JsonNode find(JsonNode entries, java.util.function.Predicate<JsonNode> p) {
    return StreamSupport.stream(entries.spliterator(), false).filter(p).findFirst()
        .orElseThrow(() -> new AssertionError("no such audit entry in " + entries.size() + " entries"));
  }

  private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
