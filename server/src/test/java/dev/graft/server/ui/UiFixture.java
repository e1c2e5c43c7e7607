package dev.graft.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.GraftApplication;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.auth.TokenAuthenticator;
import dev.graft.server.temporal.EmbeddedTemporal;
import dev.graft.server.temporal.TemporalSettings;
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

/**
 * What the browser tests run against: an embedded Temporal on 127.0.0.1 (a free port), an {@link
 * ExpansionBackend} whose workers run the expansions, and Graft's server (mode server: API and UI)
 * on a free 127.0.0.1 port with two tokens, vera (viewer) and otto (operator), and a Temporal UI
 * URL for the links. Optionally a second server configured as {@code graft dev} is: no tokens,
 * anonymous requests act as operator.
 */
final class UiFixture implements AutoCloseable {
  static final String VIEWER = "graft_ui-viewer-token-for-browser-tests";
  static final String OPERATOR = "graft_ui-operator-token-for-browser-tests";
  static final String TEMPORAL_UI = "http://127.0.0.1:8088";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final ExpansionBackend backend;
  private EmbeddedTemporal temporal;
  private DropwizardTestSupport<GraftConfiguration> app;
  private DropwizardTestSupport<GraftConfiguration> devApp;
  private Path dir;

  private UiFixture(ExpansionBackend backend) {
    this.backend = backend;
  }

  /** Starts everything; on a failure, stops what started and rethrows. */
  static UiFixture start(ExpansionBackend backend, boolean withDevServer) throws Exception {
    UiFixture f = new UiFixture(backend);
    try {
      f.startAll(withDevServer);
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  private void startAll(boolean withDevServer) throws Exception {
    dir = Files.createTempDirectory("graft-ui");
    TemporalSettings settings = new TemporalSettings();
    temporal = new EmbeddedTemporal("127.0.0.1", 0, settings);
    temporal.start();
    backend.start(temporal.target(), settings.getTaskQueue());
    app =
        server(
            "graft.yml",
            List.of(
                "auth:",
                "  tokens:",
                "    - {name: vera, role: viewer, sha256: "
                    + TokenAuthenticator.sha256(VIEWER)
                    + "}",
                "    - {name: otto, role: operator, sha256: "
                    + TokenAuthenticator.sha256(OPERATOR)
                    + "}"));
    if (withDevServer) {
      devApp = server("graft-anonymous.yml", List.of("auth: {anonymousRole: operator}"));
    }
  }

  private DropwizardTestSupport<GraftConfiguration> server(String file, List<String> auth)
      throws Exception {
    Path config = dir.resolve(file);
    StringBuilder yml = new StringBuilder();
    for (String line :
        List.of(
            "mode: server",
            "temporal: {target: \"" + temporal.target() + "\", uiUrl: \"" + TEMPORAL_UI + "\"}",
            // The inventories name key files the fake fleet never opens.
            "operations: {checkFiles: false}",
            "server:",
            "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  requestLog: {appenders: []}",
            "logging: {level: WARN}")) {
      yml.append(line).append('\n');
    }
    auth.forEach(l -> yml.append(l).append('\n'));
    Files.writeString(config, yml);
    DropwizardTestSupport<GraftConfiguration> s =
        new DropwizardTestSupport<>(GraftApplication.class, config.toString());
    s.before();
    return s;
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (AutoCloseable c :
        new AutoCloseable[] {
          devApp == null ? null : devApp::after,
          app == null ? null : app::after,
          backend,
          temporal == null ? null : temporal::stop
        }) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The UI and API, with tokens. */
  String url() {
    return "http://127.0.0.1:" + app.getLocalPort();
  }

  /** The server without tokens, where anonymous requests act as operator (as in graft dev). */
  String devUrl() {
    return "http://127.0.0.1:" + devApp.getLocalPort();
  }

  HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url() + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null || "POST".equals(method)) {
      b.header("Content-Type", "application/json"); // as the CLI and the UI send every POST
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode get(String path) throws Exception {
    HttpResponse<String> r = call("GET", path, VIEWER, null);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** Submits an expansion of {@code workers} as otto; returns the operation id. */
  String expand(String cluster, String requestId, List<String> workers, String options)
      throws Exception {
    String body =
        "{\"kind\":\"expand\",\"requestId\":\""
            + requestId
            + "\",\"inventory\":{\"text\":"
            + JSON.writeValueAsString(backend.inventory(cluster, workers))
            + ",\"format\":\"kubespray-ini\"}"
            + (options == null ? "" : ",\"options\":" + options)
            + "}";
    HttpResponse<String> r = call("POST", "/api/v1/operations", OPERATOR, body);
    if (r.statusCode() != 202) {
      throw new AssertionError("submit: " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body()).get("id").asText();
  }

  /** Polls the operation until the condition holds. */
  JsonNode await(String id, Duration timeout, Predicate<JsonNode> condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = get("/api/v1/operations/" + id);
        if (condition.test(last)) {
          return last;
        }
      } catch (AssertionError notYet) {
        // not started yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "condition not met for " + id + " within " + timeout + "; last: " + last);
  }

  static Predicate<JsonNode> state(String s) {
    return d -> s.equals(d.path("state").asText());
  }
}
