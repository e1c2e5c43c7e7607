package dev.graft.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.server.GraftApplication;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.temporal.EmbeddedTemporal;
import dev.graft.server.temporal.TemporalSettings;
import dev.graft.server.testing.Prereqs;
import io.dropwizard.testing.DropwizardTestSupport;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What outlives the rounds of a chaos run: the embedded Temporal and the Graft server (API only) in
 * this JVM, the workers as child processes ({@link ChaosWorkers}), and the REST calls an operator
 * would make. The server runs with {@code operations.heartbeatTimeout: 15s}, set here explicitly:
 * it is how long a killed worker's SSH step waits before another worker takes it, so the figures
 * depend on it.
 */
final class ChaosHarness implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(15);

  final Path work;
  final ChaosWorkers workers;
  private final EmbeddedTemporal temporal;
  private final WorkflowServiceStubs service;
  private final DropwizardTestSupport<GraftConfiguration> app;
  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ChaosHarness(
      Path work,
      EmbeddedTemporal temporal,
      WorkflowServiceStubs service,
      DropwizardTestSupport<GraftConfiguration> app,
      ChaosWorkers workers) {
    this.work = work;
    this.temporal = temporal;
    this.service = service;
    this.app = app;
    this.workers = workers;
    this.base = "http://127.0.0.1:" + app.getLocalPort();
  }

  static ChaosHarness up() throws Exception {
    Prereqs.requireRoot("lab hosts are network namespaces");
    Prereqs.require("OpenSSH server", Path.of("/usr/sbin/sshd"));
    Prereqs.require("etcd", Path.of("/usr/bin/etcd"));
    Path work = Files.createTempDirectory("graft-chaos-");
    EmbeddedTemporal temporal = null;
    WorkflowServiceStubs service = null;
    DropwizardTestSupport<GraftConfiguration> app = null;
    ChaosWorkers workers = null;
    try {
      temporal = new EmbeddedTemporal("127.0.0.1", 0, new TemporalSettings());
      temporal.start();
      // The first worker's JVM starts while the server does: on 2 cores that is seconds saved.
      workers = new ChaosWorkers(temporal.target(), work);
      workers.replace();
      service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
      Path config = work.resolve("graft.yml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "mode: server",
              "temporal: {target: \"" + temporal.target() + "\"}",
              "auth: {anonymousRole: operator}",
              "operations: {heartbeatTimeout: " + HEARTBEAT_TIMEOUT.toSeconds() + "s}",
              // The rounds' labs (inventory, kubeconfig) live under the work directory.
              "paths: {allowedRoots: \"" + work + "\"}",
              "server:",
              "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
              "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
              "  requestLog: {appenders: []}",
              "logging: {level: WARN}",
              ""));
      app = new DropwizardTestSupport<>(GraftApplication.class, config.toString());
      app.before();
      return new ChaosHarness(work, temporal, service, app, workers);
    } catch (Exception | Error e) {
      close(workers, app, service, temporal, work);
      throw e;
    }
  }

  /** Submits an expansion of the round's lab; returns the operation id. */
  String submit(ChaosLab lab, String requestId) throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "expand");
    body.put("requestId", requestId);
    body.putObject("inventory")
        .put("text", Files.readString(Path.of(lab.state.inventoryIni())))
        .put("file", "inventory.ini");
    body.put("kubeconfig", lab.state.kubeconfig());
    body.putObject("options").put("maxParallel", 3);
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/operations"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    if (r.statusCode() != 202) {
      throw new IllegalStateException(
          "POST /api/v1/operations answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).get("id").asText();
  }

  /** The operation's detail, or null while it cannot be read (no worker answers a query yet). */
  JsonNode operation(String id) {
    try {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/operations/" + id))
                  .timeout(Duration.ofSeconds(20))
                  .GET());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** The audit trail, {@code GET /api/v1/operations/{id}/history}. */
  JsonNode history(String id) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/operations/" + id + "/history"))
                .timeout(Duration.ofSeconds(60))
                .GET());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("history of " + id + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** What an operator does for a step in needs-attention: {@code POST …/retry[?node=N]}. */
  HttpResponse<String> retry(String id, String node) throws Exception {
    String q =
        "?reason="
            + URLEncoder.encode("chaos harness: retry after a fault", StandardCharsets.UTF_8)
            + (node == null ? "" : "&node=" + URLEncoder.encode(node, StandardCharsets.UTF_8));
    // Decisions are JSON requests, as the CLI and the UI send them (the server refuses a POST
    // without that type: a cross-site form cannot send it).
    return send(
        HttpRequest.newBuilder(URI.create(base + "/api/v1/operations/" + id + "/retry" + q))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /**
   * The activities a worker has started and not finished, in the operation and (recursively) its
   * running children, read from Temporal directly: unlike the operation's detail this needs no live
   * worker, so it can be read the instant before a SIGKILL.
   */
  List<InFlight> inFlight(String workflowId) {
    List<InFlight> out = new ArrayList<>();
    collect(workflowId, out, 0);
    return out;
  }

  private void collect(String workflowId, List<InFlight> out, int depth) {
    io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse d;
    try {
      d =
          service
              .blockingStub()
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace("default")
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build());
    } catch (StatusRuntimeException e) {
      return;
    }
    for (var p : d.getPendingActivitiesList()) {
      if (p.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) {
        out.add(
            new InFlight(
                workflowId,
                p.getActivityType().getName(),
                p.getAttempt(),
                p.getLastWorkerIdentity(),
                p.hasLastStartedTime()
                    ? p.getLastStartedTime().getSeconds() * 1000
                        + p.getLastStartedTime().getNanos() / 1_000_000
                    : 0));
      }
    }
    if (depth < 4) {
      for (var c : d.getPendingChildrenList()) {
        collect(c.getWorkflowId(), out, depth + 1);
      }
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    close(workers, app, service, temporal, work);
  }

  private static void close(
      ChaosWorkers workers,
      DropwizardTestSupport<GraftConfiguration> app,
      WorkflowServiceStubs service,
      EmbeddedTemporal temporal,
      Path work)
      throws Exception {
    try {
      if (workers != null) {
        workers.close();
      }
      if (app != null) {
        app.after();
      }
      if (service != null) {
        service.shutdownNow();
        service.awaitTermination(5, TimeUnit.SECONDS);
      }
      if (temporal != null) {
        temporal.stop();
      }
    } finally {
      delete(work);
    }
  }

  static void delete(Path dir) throws Exception {
    if (dir != null && Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** An activity a worker ran at one instant: its workflow, type, attempt, worker and start. */
  record InFlight(
      String workflowId, String activity, int attempt, String worker, long startedAtMillis) {}
}
