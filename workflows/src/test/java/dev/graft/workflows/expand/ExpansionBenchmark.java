package dev.graft.workflows.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.model.ClusterSpec;
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
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A benchmark, not a timed test: one expansion of a large cluster (500 new nodes by default: 2
 * control-plane + etcd, the rest workers) against the in-memory fake fleet, with the real
 * workflows and the Temporal test server. It prints how long it took and how big the histories
 * grew, and asserts only that the expansion completed.
 *
 * <p>Run it with {@code mvn -B -o -pl workflows test -Dtest=ExpansionBenchmark
 * -Dgraft.bench=true} (add {@code -Dgraft.bench.nodes=N -Dgraft.bench.parallel=P} to change the
 * size and the workers' maxParallel). Skipped in the normal build.
 */
@EnabledIfSystemProperty(named = "graft.bench", matches = "true")
class ExpansionBenchmark {
  private static final String QUEUE = "bench";

  @Test
  void expandByHundredsOfNodes() {
    int nodes = Integer.getInteger("graft.bench.nodes", 500);
    int parallel = Integer.getInteger("graft.bench.parallel", 25);
    FakeFleet fleet = new FakeFleet();
    fleet.quiet = true;
    fleet.existing("node1", "node2");
    ClusterSpec cluster = ExpansionFixtures.cluster(2, nodes - 2);
    long planStart = System.nanoTime();
    OperationRequest request = ExpansionFixtures.request("bench", cluster, ExpansionFixtures.options(parallel, false, false, false));
    long planMillis = (System.nanoTime() - planStart) / 1_000_000;
    var converter = DefaultDataConverter.newDefaultInstance();
    long fullPlanBytes = converter.toPayload(ExpansionFixtures.plan(cluster, parallel)).orElseThrow().getSerializedSize();
    long requestBytes = converter.toPayload(request).orElseThrow().getSerializedSize();

    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
        TestEnvironmentOptions.newBuilder()
            // Nothing here waits on a timer: real time, so a slow workflow task is measured, not skipped over.
            .setUseTimeskipping(false)
            .setWorkerFactoryOptions(WorkerFactoryOptions.newBuilder().setWorkflowCacheSize(2000).setMaxWorkflowThreadCount(4000).build())
            .build());
    try {
      Worker worker = env.newWorker(QUEUE, WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(200).build());
      worker.registerWorkflowImplementationTypes(ExpansionWorkflowImpl.class, NodeJoinWorkflowImpl.class, RoutingWorkflowImpl.class);
      worker.registerActivitiesImplementations(fleet);
      env.start();
      ExpansionWorkflow wf = env.getWorkflowClient().newWorkflowStub(ExpansionWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(request.operationId()).build());
      long start = System.nanoTime();
      WorkflowClient.start(wf::expand, request);
      ExpansionResult result = WorkflowStub.fromTyped(wf).getResult(ExpansionResult.class);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.message());

      History expansion = env.getWorkflowClient().fetchHistory(request.operationId()).getHistory();
      History routing = env.getWorkflowClient().fetchHistory(RoutingRequest.workflowId(request.operationId())).getHistory();
      String largestNode = null;
      History largest = null;
      for (var n : request.plan().additions()) {
        History h = env.getWorkflowClient().fetchHistory(NodeJoinRequest.workflowId(request.operationId(), n.name())).getHistory();
        if (largest == null || h.getSerializedSize() > largest.getSerializedSize()) {
          largest = h;
          largestNode = n.name();
        }
      }
      long resultBytes = converter.toPayload(result).orElseThrow().getSerializedSize();
      System.out.printf(Locale.ROOT, """

          === ExpansionBenchmark: %d new nodes (2 control-plane + etcd, %d workers), maxParallel %d ===
          expansion wall time           %,d ms (plan computed in %,d ms)
          steps                         %s
          expansion history             %,d events, %,d bytes
          largest node-join history     %,d events, %,d bytes (%s)
          routing child history         %,d events, %,d bytes
          request payload               %,d bytes (the full plan with route lists would be %,d bytes)
          result payload                %,d bytes
          rerun: mvn -B -o -pl workflows test -Dtest=ExpansionBenchmark -Dgraft.bench=true [-Dgraft.bench.nodes=N] [-Dgraft.bench.parallel=P]
          %n""",
          nodes, nodes - 2, parallel, millis, planMillis, result.total(),
          expansion.getEventsCount(), expansion.getSerializedSize(),
          largest.getEventsCount(), largest.getSerializedSize(), largestNode,
          routing.getEventsCount(), routing.getSerializedSize(),
          requestBytes, fullPlanBytes, resultBytes);
      System.out.println("expansion breakdown:\n  " + String.join("\n  ", HistorySize.breakdown(expansion, 8)));
      System.out.println("routing breakdown:\n  " + String.join("\n  ", HistorySize.breakdown(routing, 8)));
      System.out.println("node-join breakdown:\n  " + String.join("\n  ", HistorySize.breakdown(largest, 8)));
    } finally {
      env.close();
    }
  }
}
