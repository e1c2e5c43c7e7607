package dev.graft.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.worker.GraftWorker;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.step.Steps;
import io.dropwizard.logging.common.ConsoleAppenderFactory;
import io.dropwizard.logging.common.DefaultLoggingFactory;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The logging context of an activity run by the step engine: every line the activity logs carries
 * operation, cluster, node, step and attempt (the step's id and attempt number, as the UI shows
 * them), and nothing of it stays on the thread afterwards; JSON logs carry them as fields.
 */
class LogContextTest {
  private static final org.slf4j.Logger ACTIVITY_LOG = LoggerFactory.getLogger("graft.test.probe");

  @ActivityInterface(namePrefix = "LogProbe")
  public interface Probe {
    StepOutcome probe(String what);
  }

  /** Fails its first call (so the step's second attempt runs), then logs and succeeds. */
  public static final class ProbeImpl implements Probe {
    private final java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public StepOutcome probe(String what) {
      ACTIVITY_LOG.info("probing {} (call {})", what, calls.incrementAndGet());
      if (calls.get() == 1) {
        throw io.temporal.failure.ApplicationFailure.newFailure("not yet", "NotYet");
      }
      return new StepOutcome(false, "probed", null, 1);
    }
  }

  @WorkflowInterface
  public interface ProbeWorkflow {
    @WorkflowMethod
    String run();
  }

  public static final class ProbeWorkflowImpl implements ProbeWorkflow {
    private final Steps steps = new Steps();

    @Override
    public String run() {
      steps.ownRetries(
          null,
          p ->
              new dev.graft.workflows.step.RetryPlan(
                  3, Duration.ofMillis(10), 1, Duration.ofMillis(10), java.util.Set.of()));
      Probe probe =
          Workflow.newActivityStub(
              Probe.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofSeconds(10))
                  .setRetryOptions(
                      io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      steps.run("join", "join as worker", "n7", false, () -> probe.probe("n7"));
      return "ok";
    }
  }

  @Test
  void activityLinesCarryTheOperationStepAndAttempt() {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger logger = (Logger) LoggerFactory.getLogger("graft.test.probe");
    logger.addAppender(logs);
    TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(GraftWorker.factoryOptions())
                .build());
    try {
      Worker worker = env.newWorker("q");
      worker.registerWorkflowImplementationTypes(ProbeWorkflowImpl.class);
      worker.registerActivitiesImplementations(new ProbeImpl());
      env.start();
      String id = "cluster/c1/expand/r1/node/n7";
      assertEquals(
          "ok",
          env.getWorkflowClient()
              .newWorkflowStub(
                  ProbeWorkflow.class,
                  WorkflowOptions.newBuilder().setTaskQueue("q").setWorkflowId(id).build())
              .run());
    } finally {
      env.close();
      logger.detachAppender(logs);
    }
    assertEquals(2, logs.list.size(), logs.list.toString());
    for (int i = 0; i < 2; i++) {
      Map<String, String> mdc = logs.list.get(i).getMDCPropertyMap();
      assertEquals("cluster/c1/expand/r1", mdc.get("operation"), mdc.toString());
      assertEquals("c1", mdc.get("cluster"), mdc.toString());
      assertEquals("n7", mdc.get("node"), mdc.toString());
      assertEquals("join", mdc.get("step"), mdc.toString());
      assertEquals(
          String.valueOf(i + 1), mdc.get("attempt"), "the step's attempt, not Temporal's: " + mdc);
    }
  }

  @Test
  void jsonLogsCarryTheContextAsFields() throws Exception {
    GraftConfiguration config =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readValue("logFormat: json\n", GraftConfiguration.class);
    ConsoleAppenderFactory<?> console =
        (ConsoleAppenderFactory<?>)
            ((DefaultLoggingFactory) config.getLoggingFactory()).getAppenders().get(0);
    @SuppressWarnings("unchecked")
    var layout =
        ((io.dropwizard.logging.common.layout.DiscoverableLayoutFactory<ILoggingEvent>)
                console.getLayout())
            .build((LoggerContext) LoggerFactory.getILoggerFactory(), TimeZone.getTimeZone("UTC"));
    layout.start();
    LoggingEvent event =
        new LoggingEvent(
            "x",
            (Logger) LoggerFactory.getLogger("graft.test"),
            ch.qos.logback.classic.Level.INFO,
            "joined",
            null,
            null);
    event.setMDCPropertyMap(
        Map.of(
            "operation",
            "cluster/c1/expand/r1",
            "cluster",
            "c1",
            "node",
            "n7",
            "step",
            "join",
            "attempt",
            "2"));
    JsonNode line = new ObjectMapper().readTree(layout.doLayout(event));
    assertEquals("cluster/c1/expand/r1", line.path("operation").asText(), line.toString());
    assertEquals("n7", line.path("node").asText(), line.toString());
    assertEquals("join", line.path("step").asText(), line.toString());
    assertEquals("2", line.path("attempt").asText(), line.toString());
    assertNotNull(line.get("message"), line.toString());
  }
}
