package dev.graft.server.operations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.GraftApplication;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.auth.TokenAuthenticator;
import dev.graft.server.temporal.EmbeddedTemporal;
import dev.graft.server.temporal.TemporalSettings;
import io.dropwizard.testing.DropwizardTestSupport;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Graft's server (mode server: API only) on an embedded Temporal, with a worker that runs the
 * {@link FakeWorkflows} instead of the real cluster and expansion workflows. Tokens: vera is a
 * viewer, otto an operator.
 */
final class OperationsFixture {
  static final String VIEWER = "graft_viewer-token-for-ops-tests";
  static final String OPERATOR = "graft_operator-token-for-ops-tests";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private EmbeddedTemporal temporal;
  private WorkflowServiceStubs stubs;
  private WorkerFactory factory;
  private DropwizardTestSupport<GraftConfiguration> app;
  private int port;
  Path dir;

  /** As in graft dev: a request without a token acts as operator 'anonymous'. */
  boolean anonymousOperator;

  void start() throws Exception {
    start(new String[0]);
  }

  /** With more configuration, appended at the end (top-level sections only). */
  void start(String... extraConfig) throws Exception {
    dir = Files.createTempDirectory("graft-ops");
    TemporalSettings settings = new TemporalSettings();
    temporal = new EmbeddedTemporal("127.0.0.1", 0, settings);
    temporal.start();
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
    WorkflowClient client = WorkflowClient.newInstance(stubs);
    factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(settings.getTaskQueue());
    worker.registerWorkflowImplementationTypes(
        FakeWorkflows.FakeClusterWorkflowImpl.class,
        FakeWorkflows.FakeExpansionWorkflowImpl.class,
        FakeWorkflows.FakeNodeWorkflowImpl.class,
        FakeWorkflows.FakeUpgradeWorkflowImpl.class,
        FakeWorkflows.FakeNodeUpgradeWorkflowImpl.class);
    worker.registerActivitiesImplementations(new FakeWorkflows.StepActivitiesImpl());
    factory.start();
    Path config = dir.resolve("graft.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "mode: server",
            "temporal: {target: \"" + temporal.target() + "\"}",
            "auth:",
            anonymousOperator ? "  anonymousRole: operator" : "",
            "  tokens:",
            "    - {name: vera, role: viewer, sha256: " + TokenAuthenticator.sha256(VIEWER) + "}",
            "    - {name: otto, role: operator, sha256: "
                + TokenAuthenticator.sha256(OPERATOR)
                + "}",
            "server:",
            "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "paths: {allowedRoots: \"" + dir + "\"}",
            "logging: {level: WARN}",
            String.join("\n", extraConfig),
            ""));
    app = new DropwizardTestSupport<>(GraftApplication.class, config.toString());
    app.before();
  }

  int port() {
    return app.getLocalPort();
  }

  /**
   * Stops the server's HTTP side (Dropwizard: API, UI, admin) while Temporal and the worker run on,
   * as a restart of {@code graft server} does; {@link #startServerAgain} brings it back on the same
   * port.
   */
  void stopServer() {
    port = app.getLocalPort();
    app.after();
  }

  void startServerAgain() throws Exception {
    Path config = dir.resolve("graft.yml");
    Path pinned = dir.resolve("graft-port-" + port + ".yml");
    Files.writeString(
        pinned,
        Files.readString(config)
            .replace(
                "applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
                "applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: " + port + "}]"));
    app = new DropwizardTestSupport<>(GraftApplication.class, pinned.toString());
    app.before();
  }

  void stop() throws Exception {
    if (app != null) {
      app.after();
    }
    if (factory != null) {
      factory.shutdownNow();
    }
    if (stubs != null) {
      stubs.shutdownNow();
    }
    if (temporal != null) {
      temporal.stop();
    }
  }

  String url() {
    return "http://127.0.0.1:" + app.getLocalPort();
  }

  /** A kubespray inventory: cp1 (the bootstrapped control plane) and the workers to add. */
  static String inventory(String cluster, String... workers) {
    StringBuilder b = new StringBuilder("[all]\ncp1 ansible_host=10.0.0.1\n");
    for (int i = 0; i < workers.length; i++) {
      b.append(workers[i]).append(" ansible_host=10.0.0.").append(10 + i).append('\n');
    }
    b.append("\n[all:vars]\ngraft_cluster_name=").append(cluster).append('\n');
    b.append("\n[kube_control_plane]\ncp1\n\n[etcd]\ncp1\n\n[kube_node]\n");
    for (String w : workers) {
      b.append(w).append('\n');
    }
    return b.toString();
  }

  static String expandBody(String requestId, String inventory, String options) throws Exception {
    return "{\"kind\":\"expand\",\"requestId\":\""
        + requestId
        + "\",\"inventory\":{\"text\":"
        + JSON.writeValueAsString(inventory)
        + ",\"format\":\"kubespray-ini\"}"
        + (options == null ? "" : ",\"options\":" + options)
        + "}";
  }

  HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url() + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null || "POST".equals(method)) {
      // As the CLI and the UI do: every POST says JSON, with a body or without (decisions), or
      // the server refuses it as a request another site could have sent.
      b.header("Content-Type", "application/json");
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

  /** Polls GET /api/v1/operations/{id} until the condition holds (15 s at most). */
  JsonNode await(String id, Predicate<JsonNode> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = get("/api/v1/operations/" + id);
        if (condition.test(last)) {
          return last;
        }
      } catch (AssertionError e) {
        // not started yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("condition not met for " + id + "; last: " + last);
  }
}
