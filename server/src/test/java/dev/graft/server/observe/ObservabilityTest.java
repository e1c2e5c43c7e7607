package dev.graft.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.GraftApplication;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.audit.AuditArchive;
import dev.graft.server.cli.ConfigSourceProvider;
import dev.graft.server.testing.Prereqs;
import dev.graft.server.worker.GraftWorker;
import dev.graft.workflows.cluster.ClusterWorkflowImpl;
import dev.graft.workflows.expand.ExpansionWorkflowImpl;
import dev.graft.workflows.expand.UiFleet;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.routing.RoutingBatchWorkflowImpl;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 19's acceptance, in one run of {@code graft dev} (embedded Temporal, worker, server in one
 * process) whose worker runs the real workflows on the fake fleet, with a real Prometheus (Debian's
 * {@code prometheus}) scraping {@code /prometheus} and evaluating {@code graft-rules.yml}:
 *
 * <ol>
 *   <li>an expansion of two workers whose join on w2 fails twice (the step's attempts) and parks;
 *       Prometheus sees the operation waiting (with its id) and in flight; an operator retries; the
 *       operation ends done;
 *   <li>Prometheus has the operation, step and Temporal worker series with values that match the
 *       run, every metric name the rules use, and the rules loaded and healthy;
 *   <li>the workflow log lines of the failed attempts carry operation, cluster, node, step and
 *       attempt;
 *   <li>the audit trail is archived when the operation ends; after Graft (and its in-memory
 *       Temporal, so every history) is gone, a new Graft's {@code graft history} shows the whole
 *       trail from the archive; a modified line is reported, by history and by audit-verify.
 * </ol>
 */
class ObservabilityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final UiFleet FLEET = new UiFleet().existing("cp1").quiet();

  /** Graft with its real workflows and the fake fleet's activities, wired as Graft's worker is. */
  public static class FleetApp extends GraftApplication {
    @Override
    protected GraftWorker.Registrations registrations() {
      return (worker, connection, metrics) -> {
        worker.registerWorkflowImplementationTypes(
            ClusterWorkflowImpl.class,
            ExpansionWorkflowImpl.class,
            NodeJoinWorkflowImpl.class,
            RoutingWorkflowImpl.class,
            RoutingBatchWorkflowImpl.class,
            dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl.class);
        worker.registerActivitiesImplementations(FLEET, FLEET.etcd("cp1"));
        return () -> {};
      };
    }
  }

  @Test
  void metricsRulesLogsAndArchiveOfOneExpansion() throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    Path prometheusBin = Path.of("/usr/bin/prometheus");
    Prereqs.require("promtool (Debian package prometheus)", promtool);
    Prereqs.require("prometheus (Debian package prometheus)", prometheusBin);
    Path dir = Files.createTempDirectory("graft-observe");
    Path archiveDir = dir.resolve("archive");
    FLEET.fail(
        "join",
        "w2",
        2,
        "kubeadm join failed on w2: the API server is unreachable",
        "[preflight] Running pre-flight checks\nerror execution phase preflight: unreachable");

    DropwizardTestSupport<GraftConfiguration> app = dev(dir, archiveDir);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Process prometheus = null;
    String id;
    try {
      logs.start();
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
      String api = "http://127.0.0.1:" + app.getLocalPort();
      int promPort = freePort();
      prometheus = startPrometheus(prometheusBin, dir, promPort, app.getAdminPort());
      String prom = "http://127.0.0.1:" + promPort;

      id = submit(api, "obs", List.of("w1", "w2"));
      awaitState(api, id, "needs-attention");

      // Waiting on an operator, with the operation's id, and in flight.
      JsonNode waiting =
          awaitQuery(
              prom,
              "graft_operation_waiting_since_seconds{operation=\"" + id + "\"}",
              r -> r.size() == 1);
      assertEquals("needs-attention", waiting.get(0).path("metric").path("reason").asText());
      double since = waiting.get(0).path("value").get(1).asDouble();
      assertTrue(
          Math.abs(System.currentTimeMillis() / 1000.0 - since) < 120, "waiting since " + since);
      awaitQuery(
          prom,
          "graft_operations{kind=\"expand\",state=\"needs-attention\"} == 1",
          r -> r.size() == 1);

      post(api, "/api/v1/operations/" + id + "/retry?node=w2");
      awaitState(api, id, "done");

      // Operation, step and worker series, with the run's values.
      awaitQuery(
          prom,
          "graft_operations_finished_total{kind=\"expand\",state=\"done\"} >= 1",
          r -> r.size() == 1);
      awaitQuery(
          prom, "graft_cluster_last_success_seconds{cluster=\"obs\"} > 0", r -> r.size() == 1);
      awaitQuery(
          prom,
          "graft_operations{kind=\"expand\",state=\"needs-attention\"} == 0",
          r -> r.size() == 1);
      JsonNode failed =
          awaitQuery(
              prom,
              "sum(graft_step_attempts_total{step=\"join\",outcome=\"failed\"})",
              r -> r.size() == 1 && r.get(0).path("value").get(1).asDouble() >= 2);
      assertEquals(2.0, failed.get(0).path("value").get(1).asDouble(), "w2's join failed twice");
      awaitQuery(
          prom, "graft_step_retries_total{step=\"join\",by=\"graft\"} >= 1", r -> r.size() >= 1);
      awaitQuery(
          prom, "graft_step_retries_total{step=\"join\",by=\"operator\"} >= 1", r -> r.size() >= 1);
      awaitQuery(
          prom,
          "graft_step_duration_seconds_count{step=\"join\",outcome=\"succeeded\"} >= 1",
          r -> r.size() >= 1);
      awaitQuery(
          prom,
          "graft_step_duration_seconds_bucket{step=\"join\",outcome=\"needs-attention\",le=\"60.0\"} >= 1",
          r -> r.size() >= 1);
      JsonNode pollers =
          awaitQuery(
              prom, "temporal_num_pollers{poller_type=\"activity_task\"} > 0", r -> r.size() >= 1);
      assertTrue(
          pollers.get(0).path("metric").path(Telemetry.IDENTITY_TAG).asText().startsWith("dev@"),
          pollers.toString());
      awaitQuery(
          prom,
          "temporal_worker_task_slots_available{worker_type=\"ActivityWorker\"} > 0",
          r -> r.size() >= 1);
      awaitQuery(
          prom,
          "temporal_activity_schedule_to_start_latency_seconds_count > 0",
          r -> r.size() >= 1);
      awaitQuery(prom, "jvm_memory_used_bytes > 0", r -> r.size() >= 1);
      awaitQuery(
          prom,
          "dropwizard_io_dropwizard_jetty_mutable_servlet_context_handler_requests_total > 0",
          r -> r.size() >= 1);

      // Every metric name the rules use exists, and Prometheus loaded every rule.
      Set<String> names = new TreeSet<>();
      JSON.readTree(get(prom + "/api/v1/label/__name__/values"))
          .path("data")
          .forEach(n -> names.add(n.asText()));
      List<String> used = ruleMetricNames();
      assertTrue(used.size() >= 6, used.toString());
      for (String n : used) {
        assertTrue(
            names.contains(n),
            "the rules use "
                + n
                + ", which Graft does not expose; it has "
                + names.stream().filter(x -> x.startsWith("graft_")).toList());
      }
      JsonNode groups = JSON.readTree(get(prom + "/api/v1/rules")).path("data").path("groups");
      int rules = 0;
      for (JsonNode g : groups) {
        for (JsonNode r : g.path("rules")) {
          rules++;
          assertEquals("ok", r.path("health").asText(), r.toString());
        }
      }
      assertEquals(6, rules, groups.toString());

      // The log lines of the failed attempts (the step engine's, in the node's workflow) carry
      // the operation's fields.
      List<ILoggingEvent> stepLines = new ArrayList<>();
      for (ILoggingEvent e : List.copyOf(logs.list)) {
        if (e.getFormattedMessage().startsWith("step join")
            && e.getFormattedMessage().contains("retrying")) {
          stepLines.add(e);
        }
      }
      assertFalse(stepLines.isEmpty(), "no retry line of w2's join was logged");
      var mdc = stepLines.get(0).getMDCPropertyMap();
      assertEquals(id, mdc.get("operation"), mdc.toString());
      assertEquals("obs", mdc.get("cluster"), mdc.toString());
      assertEquals("w2", mdc.get("node"), mdc.toString());
      assertEquals("join", mdc.get("step"), mdc.toString());
      assertEquals("1", mdc.get("attempt"), mdc.toString());

      // The archive is written once the operation has ended.
      Path file = new AuditArchive(archiveDir).fileOf(id);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!Files.exists(file) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(file), "no archive " + file);
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      }
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
      app.after();
    }

    // Graft and its in-memory Temporal are gone, with every history: a new one has nothing but
    // the archive, which `graft history` reads.
    DropwizardTestSupport<GraftConfiguration> after = dev(dir, archiveDir);
    try {
      String api = "http://127.0.0.1:" + after.getLocalPort();
      JsonNode h = JSON.readTree(get(api + "/api/v1/operations/" + id + "/history"));
      assertEquals("archive", h.path("source").asText(), h.toString());
      assertTrue(h.path("archive").path("intact").asBoolean(), h.toString());
      int joinAttempts = 0;
      boolean retryDecision = false;
      boolean ended = false;
      for (JsonNode e : h.path("entries")) {
        if ("activity".equals(e.path("kind").asText())
            && "w2".equals(e.path("node").asText())
            && e.path("step").asText().contains("Join")) {
          joinAttempts++;
        }
        retryDecision |=
            "decision".equals(e.path("kind").asText())
                && "retry".equals(e.path("decision").asText());
        ended |=
            "ended".equals(e.path("kind").asText()) && id.equals(e.path("workflowId").asText());
      }
      assertEquals(
          3, joinAttempts, "w2's join: two failed attempts and the one after the retry; " + h);
      assertTrue(retryDecision, "the operator's retry is in the archived trail");
      assertTrue(ended, "the operation's end is in the archived trail");

      String text = history(api, id, 0);
      assertTrue(text.contains("from the audit archive"), text);
      assertTrue(text.contains("retry"), text);

      // One modified line: history says so (and fails), and so does audit-verify.
      Path file = new AuditArchive(archiveDir).fileOf(id);
      List<String> lines = new ArrayList<>(Files.readAllLines(file));
      int victim = lines.size() / 2;
      String tampered = lines.get(victim).replaceFirst("\"atMillis\":(\\d)", "\"atMillis\":9");
      assertNotEquals(lines.get(victim), tampered);
      lines.set(victim, tampered);
      Files.write(file, lines);
      String broken = history(api, id, 1);
      assertTrue(
          broken.contains("line " + (victim + 1) + ": its content does not match its hash"),
          broken);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int code = run(out, "audit-verify", archiveDir.toString());
      assertEquals(1, code, out.toString());
      assertTrue(out.toString().contains("TAMPERED"), out.toString());
    } finally {
      after.after();
    }
  }

  private static DropwizardTestSupport<GraftConfiguration> dev(Path dir, Path archiveDir)
      throws Exception {
    DropwizardTestSupport<GraftConfiguration> app =
        new DropwizardTestSupport<>(
            FleetApp.class,
            ConfigSourceProvider.CLASSPATH + "graft-dev.yml",
            ConfigOverride.config("server.applicationConnectors[0].port", "0"),
            ConfigOverride.config("server.adminConnectors[0].port", "0"),
            ConfigOverride.config("dev.temporalPort", "0"),
            ConfigOverride.config("paths.allowedRoots", dir.toString()),
            ConfigOverride.config("audit.archiveDir", archiveDir.toString()),
            ConfigOverride.config("operationMetricsInterval", "500ms"),
            ConfigOverride.config("operations.checkFiles", "false"),
            ConfigOverride.config("operations.stepMaxAttempts", "2"));
    app.before();
    return app;
  }

  /** Prometheus on 127.0.0.1, scraping the admin port every second, with Graft's rules. */
  private static Process startPrometheus(Path bin, Path dir, int port, int adminPort)
      throws Exception {
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "global: {scrape_interval: 1s, evaluation_interval: 1s}",
            "rule_files: ['" + ROOT.resolve("config/prometheus/graft-rules.yml") + "']",
            "scrape_configs:",
            "  - job_name: graft",
            "    metrics_path: /prometheus",
            "    static_configs: [{targets: ['127.0.0.1:" + adminPort + "']}]",
            ""));
    Process p =
        new ProcessBuilder(
                bin.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try {
        if (HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode()
            == 200) {
          return p;
        }
      } catch (java.io.IOException notYet) {
        // starting
      }
      if (!p.isAlive()) {
        throw new AssertionError(
            "prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
      }
      Thread.sleep(100);
    }
    p.destroyForcibly();
    throw new AssertionError(
        "prometheus not ready in 20 s: " + Files.readString(dir.resolve("prometheus.log")));
  }

  /** Every graft_ and temporal_ metric name in the rules' expressions. */
  static List<String> ruleMetricNames() throws Exception {
    JsonNode rules =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(ROOT.resolve("config/prometheus/graft-rules.yml").toFile());
    Set<String> out = new TreeSet<>();
    Pattern name = Pattern.compile("\\b((?:graft|temporal)_[a-z0-9_]+)\\b");
    for (JsonNode g : rules.path("groups")) {
      for (JsonNode r : g.path("rules")) {
        Matcher m = name.matcher(r.path("expr").asText());
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * An instant query, repeated until the result satisfies the condition (Prometheus scrapes every
   * second).
   */
  private static JsonNode awaitQuery(String prom, String query, Predicate<JsonNode> ok)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    JsonNode result = null;
    while (System.nanoTime() < deadline) {
      result =
          JSON.readTree(
                  get(
                      prom
                          + "/api/v1/query?query="
                          + URLEncoder.encode(query, StandardCharsets.UTF_8)))
              .path("data")
              .path("result");
      if (ok.test(result)) {
        return result;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Prometheus query " + query + " never held; last result " + result);
  }

  private static String submit(String api, String cluster, List<String> workers) throws Exception {
    StringBuilder inv = new StringBuilder("[all]\ncp1 ansible_host=10.0.0.1\n");
    for (int i = 0; i < workers.size(); i++) {
      inv.append(workers.get(i)).append(" ansible_host=10.1.0.").append(i + 1).append('\n');
    }
    inv.append("\n[all:vars]\ngraft_cluster_name=")
        .append(cluster)
        .append("\nansible_user=graft\nansible_ssh_private_key_file=/etc/graft/keys/id_ed25519\n")
        .append("kube_pods_subnet=10.64.0.0/14\nkube_network_node_prefix=24\n")
        .append("\n[kube_control_plane]\ncp1\n\n[etcd]\ncp1\n\n[kube_node]\n");
    workers.forEach(w -> inv.append(w).append('\n'));
    String body =
        "{\"kind\":\"expand\",\"requestId\":\"obs1\",\"inventory\":{\"text\":"
            + JSON.writeValueAsString(inv.toString())
            + ",\"format\":\"kubespray-ini\"}}";
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api + "/api/v1/operations"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(202, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("id").asText();
  }

  private static void post(String api, String path) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api + path))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() / 100 == 2, path + ": " + r.statusCode() + " " + r.body());
  }

  private static void awaitState(String api, String id, String state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(api + "/api/v1/operations/" + id))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      last = r.body();
      if (r.statusCode() == 200 && state.equals(JSON.readTree(r.body()).path("state").asText())) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(id + " never reached " + state + "; last: " + last);
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  /** {@code graft history ID} in-process; asserts its exit code and returns what it printed. */
  private static String history(String api, String id, int expectedCode) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = run(out, "history", "--server", api, id);
    assertEquals(expectedCode, code, out.toString());
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int run(ByteArrayOutputStream out, String... args) throws Exception {
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    try {
      var result = new GraftApplication().cli(ps, ps).run(args);
      return result.isPresent()
          ? (result.get() instanceof dev.graft.server.cli.ops.CliExit exit ? exit.code() : 1)
          : 0;
    } finally {
      ps.flush();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
