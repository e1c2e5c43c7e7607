package dev.graft.workflows.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.routing.RoutingBatchWorkflowImpl;
import dev.graft.workflows.routing.RoutingRequest;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import dev.graft.workflows.step.OperationOutcome;
import io.temporal.api.history.v1.History;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A benchmark, not a timed test: one expansion of a large cluster (500 new nodes by default: 2
 * control-plane + etcd, the rest workers) against the in-memory fake fleet, with the real workflows
 * and the Temporal test server. It prints how long it took and how big every history grew (the
 * expansion's, the largest node join's, the routing's and its batches'), with what carries the
 * bytes, and asserts only behaviour: the expansion completed, and every history stays under half of
 * Temporal's limits (50 MB, 51,200 events).
 *
 * <p>Run it with {@code mvn -B -o -pl workflows test -Dtest=ExpansionBenchmark -Dgraft.bench=true}
 * (add {@code -Dgraft.bench.nodes=N -Dgraft.bench.parallel=P} to change the size and the workers'
 * maxParallel). Skipped in the normal build.
 */
@EnabledIfSystemProperty(named = "graft.bench", matches = "true")
class ExpansionBenchmark {
  private static final String QUEUE = "bench";

  /** One workflow's history, as the report lists it. */
  private record Measured(String what, String workflowId, History history) {
    long bytes() {
      return history.getSerializedSize();
    }

    int events() {
      return history.getEventsCount();
    }
  }

  @Test
  void expandByHundredsOfNodes() {
    int nodes = Integer.getInteger("graft.bench.nodes", 500);
    int parallel = Integer.getInteger("graft.bench.parallel", 25);
    FakeFleet fleet = new FakeFleet();
    fleet.quiet = true;
    fleet.existing("node1", "node2");
    ClusterSpec cluster = ExpansionFixtures.cluster(2, nodes - 2);
    long planStart = System.nanoTime();
    OperationRequest request =
        ExpansionFixtures.request(
            "bench", cluster, ExpansionFixtures.options(parallel, false, false, false));
    long planMillis = (System.nanoTime() - planStart) / 1_000_000;
    var converter = DefaultDataConverter.newDefaultInstance();
    long fullPlanBytes =
        converter
            .toPayload(ExpansionFixtures.plan(cluster, parallel))
            .orElseThrow()
            .getSerializedSize();
    long requestBytes = converter.toPayload(request).orElseThrow().getSerializedSize();
    RoutingRequest routingRequest = new ExpansionInputs(request).routing(Set.of());

    TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                // Nothing here waits on a timer: real time, so a slow workflow task is measured,
                // not skipped over.
                .setUseTimeskipping(false)
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkflowCacheSize(2000)
                        .setMaxWorkflowThreadCount(4000)
                        .build())
                .build());
    try {
      Worker worker =
          env.newWorker(
              QUEUE, WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(200).build());
      worker.registerWorkflowImplementationTypes(
          ExpansionWorkflowImpl.class,
          NodeJoinWorkflowImpl.class,
          RoutingWorkflowImpl.class,
          RoutingBatchWorkflowImpl.class,
          dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl.class);
      worker.registerActivitiesImplementations(fleet, fleet.etcd);
      env.start();
      ExpansionWorkflow wf =
          env.getWorkflowClient()
              .newWorkflowStub(
                  ExpansionWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setTaskQueue(QUEUE)
                      .setWorkflowId(request.operationId())
                      .build());
      long start = System.nanoTime();
      WorkflowClient.start(wf::expand, request);
      ExpansionResult result = WorkflowStub.fromTyped(wf).getResult(ExpansionResult.class);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.message());

      WorkflowClient client = env.getWorkflowClient();
      Measured expansion =
          new Measured(
              "expansion",
              request.operationId(),
              client.fetchHistory(request.operationId()).getHistory());
      Measured largestNode = null;
      for (var n : request.plan().additions()) {
        String id = NodeJoinRequest.workflowId(request.operationId(), n.name());
        Measured m = new Measured("node join", id, client.fetchHistory(id).getHistory());
        if (largestNode == null || m.bytes() > largestNode.bytes()) {
          largestNode = m;
        }
      }
      String routingId = RoutingRequest.workflowId(request.operationId());
      Measured routing =
          new Measured("routing", routingId, client.fetchHistory(routingId).getHistory());
      List<Measured> batches = new ArrayList<>();
      for (var b : routingRequest.batchChildren().entrySet()) {
        batches.add(
            new Measured(b.getKey(), b.getValue(), client.fetchHistory(b.getValue()).getHistory()));
      }
      Measured largestBatch =
          batches.stream().max((a, b) -> Long.compare(a.bytes(), b.bytes())).orElse(null);

      List<Measured> all = new ArrayList<>(List.of(expansion, largestNode, routing));
      all.addAll(batches);
      long resultBytes = converter.toPayload(result).orElseThrow().getSerializedSize();
      StringBuilder report = new StringBuilder();
      report.append(
          String.format(
              Locale.ROOT,
              """

          === ExpansionBenchmark: %d new nodes (2 control-plane + etcd, %d workers), maxParallel %d ===
          expansion wall time           %,d ms (plan computed in %,d ms)
          steps                         %s
          request payload               %,d bytes (the full plan with route lists would be %,d bytes)
          result payload                %,d bytes
          routing                       %s
          history (largest of its kind)              events           bytes   %% of 50 MB
          """,
              nodes,
              nodes - 2,
              parallel,
              millis,
              planMillis,
              result.total(),
              requestBytes,
              fullPlanBytes,
              resultBytes,
              routingRequest.batched()
                  ? batches.size()
                      + " batch children of "
                      + routingRequest.nodesPerBatch()
                      + " nodes"
                  : "in one workflow"));
      List<Measured> shown = new ArrayList<>(List.of(expansion, largestNode, routing));
      if (largestBatch != null) {
        shown.add(largestBatch);
      }
      for (Measured m : shown) {
        report.append(
            String.format(
                Locale.ROOT,
                "%-40s %,9d %,15d %9.1f%%   %s%n",
                m.what(),
                m.events(),
                m.bytes(),
                100.0 * m.bytes() / HistorySize.MAX_BYTES,
                m.workflowId()));
      }
      report.append(
          String.format(
              Locale.ROOT,
              "all %d batches together                  %,9d %,15d%n",
              batches.size(),
              batches.stream().mapToInt(Measured::events).sum(),
              batches.stream().mapToLong(Measured::bytes).sum()));
      for (Measured m : shown) {
        report
            .append("what carries the bytes of ")
            .append(m.what())
            .append(":\n  ")
            .append(String.join("\n  ", HistorySize.breakdown(m.history(), 5)))
            .append('\n');
      }
      report.append(
          "rerun: mvn -B -o -pl workflows test -Dtest=ExpansionBenchmark -Dgraft.bench=true"
              + " [-Dgraft.bench.nodes=N] [-Dgraft.bench.parallel=P]\n");
      System.out.println(report);

      for (Measured m : all) {
        assertTrue(
            m.bytes() < HistorySize.MAX_BYTES / 2,
            m.workflowId()
                + ": "
                + m.bytes()
                + " bytes, half of Temporal's limit is "
                + HistorySize.MAX_BYTES / 2);
        assertTrue(
            m.events() < HistorySize.MAX_EVENTS / 2,
            m.workflowId()
                + ": "
                + m.events()
                + " events, half of Temporal's limit is "
                + HistorySize.MAX_EVENTS / 2);
      }
    } finally {
      env.close();
    }
  }
}
