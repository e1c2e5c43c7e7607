package dev.graft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.cli.ConfigSourceProvider;
import dev.graft.workflows.TaskQueues;
import dev.graft.workflows.diag.PingRequest;
import dev.graft.workflows.diag.PingResult;
import dev.graft.workflows.diag.PingWorkflow;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Starts the whole application in {@code dev} mode in this JVM: embedded Temporal, worker, server.
 * A workflow runs through it end to end; after stop no Graft, Temporal or Jetty thread and no port
 * is left behind.
 */
class DevModeApplicationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void devModeRunsAWorkflowAndStopsCleanly() throws Exception {
    Set<String> threadsBefore = liveThreadNames();
    DropwizardTestSupport<GraftConfiguration> app =
        new DropwizardTestSupport<>(
            GraftApplication.class,
            ConfigSourceProvider.CLASSPATH + "graft-dev.yml",
            ConfigOverride.config("server.applicationConnectors[0].port", "0"),
            ConfigOverride.config("server.adminConnectors[0].port", "0"),
            ConfigOverride.config("dev.temporalPort", "0"),
            // As `graft lab demo` adds its lab's directory (LabDemo.ROOTS_PROPERTY).
            ConfigOverride.config("paths.allowedRoots", "/srv/lab-a:/srv/lab-b"));
    app.before();
    String temporalTarget;
    int httpPort;
    try {
      GraftConfiguration config = app.getConfiguration();
      assertEquals(Mode.DEV, config.getMode());
      assertEquals(List.of("/srv/lab-a", "/srv/lab-b"), config.getPaths().getAllowedRoots());
      temporalTarget = config.getTemporal().getTarget();
      assertTrue(temporalTarget.startsWith("127.0.0.1:"), "embedded Temporal binds loopback");
      httpPort = app.getLocalPort();

      // The UI is served at /, and its ES modules as JavaScript (browsers refuse a module
      // served with another type).
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> ui =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ui.statusCode());
      assertTrue(ui.body().contains("<script type=\"module\" src=\"/ui/app.js\">"), ui.body());
      HttpResponse<String> module =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ui/app.js"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, module.statusCode());
      assertTrue(
          module.headers().firstValue("Content-Type").orElse("").contains("javascript"),
          module.headers().toString());

      // Health checks: Temporal reachable and the worker polling.
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + app.getAdminPort() + "/healthcheck"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode checks = JSON.readTree(health.body());
      assertEquals(200, health.statusCode(), health.body());
      assertTrue(checks.get("temporal").get("healthy").asBoolean(), health.body());
      assertTrue(checks.get("worker").get("healthy").asBoolean(), health.body());

      // A trivial workflow, started by an outside client, runs on the embedded worker.
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporalTarget).build());
      try {
        PingWorkflow ping =
            WorkflowClient.newInstance(stubs)
                .newWorkflowStub(
                    PingWorkflow.class,
                    WorkflowOptions.newBuilder()
                        .setTaskQueue(TaskQueues.DEFAULT)
                        .setWorkflowId("test/ping")
                        .setWorkflowExecutionTimeout(Duration.ofSeconds(30))
                        .build());
        PingResult result = ping.ping(new PingRequest("hello"));
        assertEquals("hello", result.message());
        assertEquals("test/ping", result.workflowId());
        assertTrue(result.workerIdentity().startsWith("dev@"), result.workerIdentity());
      } finally {
        stubs.shutdown();
        stubs.awaitTermination(5, TimeUnit.SECONDS);
      }

      // The REST diagnostic does the same round trip from inside the server.
      HttpResponse<String> diag =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + httpPort + "/api/v1/diagnostics/ping"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .header("Content-Type", "application/json")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, diag.statusCode(), diag.body());
    } finally {
      app.after();
    }

    // Nothing is left listening.
    int temporalPort = Integer.parseInt(temporalTarget.substring(temporalTarget.indexOf(':') + 1));
    assertPortFree(temporalPort);
    assertPortFree(httpPort);

    // No thread that this start created survives the stop (shared JDK pools aside).
    Set<String> leaked = new TreeSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    do {
      leaked = new TreeSet<>(liveThreadNames());
      leaked.removeAll(threadsBefore);
      leaked.removeIf(DevModeApplicationTest::isSharedJdkThread);
      if (leaked.isEmpty()) {
        break;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    assertTrue(leaked.isEmpty(), "threads left behind after stop: " + leaked);
  }

  private static boolean isSharedJdkThread(String name) {
    // JVM-wide pools owned by the JDK, not by anything the application started.
    return name.startsWith("ForkJoinPool.commonPool")
        || name.startsWith("HttpClient-")
        || name.equals("process reaper")
        || name.startsWith("Attach Listener")
        || name.startsWith("Common-Cleaner");
  }

  private static Set<String> liveThreadNames() {
    Set<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive()) {
        names.add(t.getName());
      }
    }
    return names;
  }

  private static void assertPortFree(int port) throws Exception {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
    }
  }
}
