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
 * The demo's expansion end to end through REST: Graft in dev mode (embedded Temporal, the real
 * worker and workflows) with bearer tokens, the lab's existing cluster read through its admin
 * kubeconfig, approval by an operator, and then the cluster itself checked (Nodes, etcd members,
 * routes) and the audit trail read back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpansionRestLabTest {
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
    cluster = LabCluster.up("graft-e2e-rest-");
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
  void theDemosExpansionThroughRestWithApprovalEndsAsPlannedAndItsAuditTrailSaysWhoDidWhat() throws Exception {
    for (String host : cluster.names()) {
      cluster.lab.faults().recordInvocations(host, "kubeadm");
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "expand");
    body.put("requestId", "e2e-rest");
    body.putObject("inventory").put("text", Files.readString(cluster.inventory)).put("file", "inventory.ini");
    body.put("kubeconfig", cluster.state.kubeconfig());
    body.putObject("options").put("requireApproval", true).put("maxParallel", 3);

    assertEquals(403, send("POST", "/api/v1/operations", VIEWER, body.toString()).statusCode());
    HttpResponse<String> accepted = send("POST", "/api/v1/operations", OPERATOR, body.toString());
    assertEquals(202, accepted.statusCode(), accepted.body());
    String id = JSON.readTree(accepted.body()).get("id").asText();
    assertEquals("cluster/lab/expand/e2e-rest", id);
    assertEquals(base + "/api/v1/operations/" + id, accepted.headers().firstValue("Location").orElseThrow());
    // A retried POST (same requestId) is the same operation and starts nothing.
    HttpResponse<String> again = send("POST", "/api/v1/operations", OPERATOR, body.toString());
    assertEquals(202, again.statusCode(), again.body());
    assertTrue(JSON.readTree(again.body()).get("existing").asBoolean(), again.body());

    JsonNode parked = await(id, "waiting-approval", Duration.ofMinutes(2));
    assertTrue(parked.toString().contains("precheck/" + cluster.names().get(1)), "pre-checks ran before the gate");
    assertTrue(cluster.mutations("kubeadm").isEmpty(), "nothing changed before the approval: " + cluster.mutations("kubeadm"));
    assertEquals(403, send("POST", "/api/v1/operations/" + id + "/approve", VIEWER, "").statusCode());
    HttpResponse<String> approved = send("POST", "/api/v1/operations/" + id + "/approve?reason=change-4711", OPERATOR, "");
    assertEquals(200, approved.statusCode(), approved.body());

    JsonNode done = await(id, "done", Duration.ofMinutes(6));
    JsonNode total = done.at("/result/total");
    assertEquals(0, total.get("failed").asInt(), done.toString());
    assertEquals(5, done.at("/result/nodes").size());
    for (JsonNode n : done.at("/result/nodes")) {
      assertEquals("joined", n.get("outcome").asText(), n.toString());
    }
    List<String> verified = new ArrayList<>();
    for (JsonNode s : done.get("steps")) {
      if (s.get("id").asText().startsWith("verify/")) {
        assertEquals("succeeded", s.get("state").asText(), s.toString());
        verified.add(s.get("id").asText() + ": " + s.get("summary").asText());
      }
    }
    assertEquals(2, verified.size(), verified.toString());
    System.out.println("e2e REST expansion: " + String.join("; ", verified) + "; took "
        + done.at("/result/durationMillis").asLong() / 1000.0 + " s");

    cluster.assertExpanded();
    // kubeadm join ran once on each new host, and nowhere else.
    List<String> joins = cluster.mutations("kubeadm").stream().filter(m -> m.contains(": join")).toList();
    assertEquals(5, joins.size(), joins.toString());
    for (String host : cluster.names().subList(1, 6)) {
      assertEquals(1, joins.stream().filter(j -> j.startsWith(host + ": ")).count(), host + ": " + joins);
    }

    HttpResponse<String> history = send("GET", "/api/v1/operations/" + id + "/history", VIEWER, null);
    assertEquals(200, history.statusCode(), history.body());
    Files.writeString(cluster.work.getParent().resolve("graft-e2e-rest-history.json"), history.body());
    JsonNode entries = JSON.readTree(history.body()).path("entries");
    assertTrue(entries.size() > 50, "an entry per step attempt: " + entries.size());
    JsonNode submitted = find(entries, e -> "submitted".equals(e.path("kind").asText()));
    assertEquals("otto", submitted.path("actor").asText(), submitted.toString());
    JsonNode approval = find(entries, e -> "decision".equals(e.path("kind").asText()));
    assertEquals("otto", approval.path("actor").asText(), approval.toString());
    assertTrue(approval.toString().contains("approve") && approval.toString().contains("change-4711"), approval.toString());
    assertTrue(approval.path("atMillis").asLong() > 0, approval.toString());
    for (String host : cluster.names().subList(1, 6)) {
      JsonNode join = find(entries, e -> "activity".equals(e.path("kind").asText()) && host.equals(e.path("node").asText())
          && e.path("step").asText().toLowerCase().contains("join") && "completed".equals(e.path("outcome").asText()));
      assertTrue(join.path("attempt").asInt() >= 1 && join.hasNonNull("startedAtMillis"), join.toString());
    }
    // Secrets are references: no bootstrap token, certificate key or private key in the trail.
    assertFalse(BOOTSTRAP_TOKEN.matcher(history.body()).find(), "a bootstrap token in the audit trail");
    assertFalse(history.body().contains("PRIVATE KEY"), "a private key in the audit trail");
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
