package dev.graft.server.expand;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

/**
 * The lab's cluster with Graft in dev mode beside it (embedded Temporal, the real worker and
 * workflows) behind bearer tokens, as the REST end-to-end tests use them: a viewer and an operator
 * token, the lab's work directory as the server's allowed roots, and the calls those tests make
 * (send, wait for a state, find an audit entry).
 */
final class LabGraft implements AutoCloseable {
  static final String VIEWER = "graft_viewer-token-for-the-e2e-test";
  static final String OPERATOR = "graft_operator-token-for-the-e2e-test";
  static final ObjectMapper JSON = new ObjectMapper();

  /** A kubeadm bootstrap token: none may reach the audit trail. */
  static final Pattern BOOTSTRAP_TOKEN = Pattern.compile("\\b[a-z0-9]{6}\\.[a-z0-9]{16}\\b");

  final LabCluster cluster;
  private final DropwizardTestSupport<GraftConfiguration> app;
  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private LabGraft(LabCluster cluster, DropwizardTestSupport<GraftConfiguration> app) {
    this.cluster = cluster;
    this.app = app;
    this.base = "http://127.0.0.1:" + app.getLocalPort();
  }

  static LabGraft up(String prefix) throws Exception {
    LabCluster cluster = LabCluster.up(prefix);
    try {
      Path config = cluster.work.resolve("graft.yml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "mode: dev",
              "dev: {temporalBindHost: 127.0.0.1, temporalPort: 0}",
              "temporal: {namespace: default, taskQueue: graft}",
              "auth:",
              "  tokens:",
              "    - {name: vera, role: viewer, sha256: " + TokenAuthenticator.sha256(VIEWER) + "}",
              "    - {name: otto, role: operator, sha256: "
                  + TokenAuthenticator.sha256(OPERATOR)
                  + "}",
              "server:",
              "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
              "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
              "  requestLog: {appenders: []}",
              // The lab's kubeconfig, keys and known_hosts lie under its work directory.
              "paths: {allowedRoots: \"" + cluster.work + "\"}",
              "logging: {level: WARN}",
              ""));
      DropwizardTestSupport<GraftConfiguration> app =
          new DropwizardTestSupport<>(GraftApplication.class, config.toString());
      app.before();
      return new LabGraft(cluster, app);
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      app.after();
    } finally {
      cluster.close();
    }
  }

  /**
   * {@code http://127.0.0.1:<port>}: where the API answers (and what Location headers start with).
   */
  String base() {
    return base;
  }

  HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Polls the operation until it is in {@code state}; fails when it ends in another or time runs
   * out.
   */
  JsonNode await(String id, String state, Duration timeout) throws Exception {
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
          fail(
              "operation ended "
                  + op.path("state").asText()
                  + " while waiting for "
                  + state
                  + ": "
                  + op);
        }
      }
      Thread.sleep(500);
    }
    fail("timed out after " + timeout + " waiting for " + state + ": " + op);
    return null;
  }

  static JsonNode find(JsonNode entries, Predicate<JsonNode> p) {
    return StreamSupport.stream(entries.spliterator(), false)
        .filter(p)
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no such audit entry in " + entries.size() + " entries"));
  }
}
