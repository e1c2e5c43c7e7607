package dev.graft.workflows.expand;

import static dev.graft.workflows.expand.ExpansionFixtures.cluster;
import static dev.graft.workflows.expand.ExpansionFixtures.options;
import static dev.graft.workflows.expand.ExpansionFixtures.request;
import static dev.graft.workflows.expand.ExpansionWorkflowTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.cluster.ClusterState;
import dev.graft.workflows.cluster.ClusterWorkflow;
import dev.graft.workflows.cluster.ClusterWorkflowImpl;
import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinWorkflow;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.routing.RoutingBatchWorkflowImpl;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.HistoryFixtures;
import dev.graft.workflows.step.OperatorRequest;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cluster entity workflow: one operation at a time, FIFO, deduplicated, with a live list. */
class ClusterWorkflowTest {
  private final FakeFleet fleet = new FakeFleet();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(
              ClusterWorkflowImpl.class,
              ExpansionWorkflowImpl.class,
              NodeJoinWorkflowImpl.class,
              RoutingWorkflowImpl.class,
              RoutingBatchWorkflowImpl.class,
              dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl.class,
              RecordingUpgrade.class)
          .setActivityImplementations(fleet, fleet.etcd)
          .setDoNotStart(true)
          .build();

  private ClusterWorkflow clusterStub(TestWorkflowEnvironment env, Worker worker) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            ClusterWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(worker.getTaskQueue())
                .setWorkflowId(ClusterWorkflow.workflowId("prod"))
                .build());
  }

  /** A stub of the running (or last) execution, for queries and its result. */
  private static ClusterWorkflow existing(TestWorkflowEnvironment env, String cluster) {
    return env.getWorkflowClient()
        .newWorkflowStub(ClusterWorkflow.class, ClusterWorkflow.workflowId(cluster));
  }

  /** As the server submits: signal-with-start, so the first submission starts the workflow. */
  private void submit(
      TestWorkflowEnvironment env, Worker worker, String cluster, OperationRequest r) {
    ClusterWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                ClusterWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId(ClusterWorkflow.workflowId(cluster))
                    .build());
    BatchRequest batch = env.getWorkflowClient().newSignalWithStartRequest();
    batch.add(wf::run, (ClusterState) null);
    batch.add(wf::submit, r);
    env.getWorkflowClient().signalWithStart(batch);
  }

  private static OperationSummary op(List<OperationSummary> ops, String id) {
    return ops.stream()
        .filter(o -> o.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError(id + " not in " + ops));
  }

  @Test
  void runsSubmissionsOneAfterTheOtherAndIgnoresARepeatedRequestId(
      TestWorkflowEnvironment env, Worker worker) {
    fleet.existing("node1", "node2");
    fleet.joinMillis = 100;
    env.start();
    ClusterWorkflow wf = existing(env, "prod");
    OperationRequest first = request("r1", cluster(0, 2), options(2, false, false, false));
    OperationRequest second = request("r2", cluster(0, 4), options(2, false, false, false));
    submit(env, worker, "prod", first);
    submit(env, worker, "prod", second);
    submit(
        env, worker, "prod", first); // a client's retry: the same requestId is the same operation

    List<OperationSummary> queued = wf.operations();
    assertEquals(2, queued.size(), queued.toString());
    assertEquals(
        List.of(first.operationId(), second.operationId()),
        queued.stream().map(OperationSummary::id).toList());
    assertEquals(OperationState.QUEUED, op(queued, second.operationId()).state());

    // The workflow ends after its idle period (skipped by the test environment).
    WorkflowStub.fromTyped(wf).getResult(Void.class);
    List<OperationSummary> ops = wf.operations();
    assertEquals(2, ops.size(), ops.toString());
    OperationSummary a = op(ops, first.operationId());
    OperationSummary b = op(ops, second.operationId());
    assertEquals(OperationState.DONE, a.state(), a.message());
    assertEquals(OperationState.DONE, b.state(), b.message());
    assertEquals("alice", a.requestedBy());
    assertTrue(a.endedAtMillis() <= b.startedAtMillis(), "one at a time: " + a + " then " + b);
    // Each expansion ran once: one routing allocation each, none for the repeated submission.
    assertEquals(2, fleet.events.stream().filter(e -> e.startsWith("allocate")).count());
    // The second found node3 and node4 already joined by the first.
    assertTrue(b.message().contains("expanded by 4"), b.message());
    HistoryFixtures.record(env, ClusterWorkflow.workflowId("prod"), "cluster-two-operations");
  }

  @Test
  void theListShowsAnOperationWaitingForAnOperatorLive(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    fleet.existing("node1", "node2");
    fleet.failNext.put("register/node3", new AtomicInteger(2));
    env.start();
    ClusterWorkflow wf = existing(env, "prod");
    OperationRequest r = request("r1", cluster(0, 1), options(1, true, false, false));
    submit(env, worker, "prod", r);

    await(
        "waiting for approval in the list",
        () -> op(wf.operations(), r.operationId()).state() == OperationState.WAITING_APPROVAL);
    ExpansionWorkflow expansion =
        env.getWorkflowClient().newWorkflowStub(ExpansionWorkflow.class, r.operationId());
    expansion.decide(new OperatorRequest("approve", Decision.APPROVE, "bob", null));
    await(
        "needs attention in the list",
        () -> op(wf.operations(), r.operationId()).state() == OperationState.NEEDS_ATTENTION);
    assertTrue(
        op(wf.operations(), r.operationId())
            .message()
            .contains("node/node3: register needs attention"),
        op(wf.operations(), r.operationId()).message());
    env.getWorkflowClient()
        .newWorkflowStub(
            NodeJoinWorkflow.class, NodeJoinRequest.workflowId(r.operationId(), "node3"))
        .decide(new OperatorRequest("register", Decision.RETRY, "carol", null));
    await("done", () -> op(wf.operations(), r.operationId()).state() == OperationState.DONE);
  }

  @Test
  void aSubmissionForAnotherClusterIsRecordedAsFailedAndNothingRuns(
      TestWorkflowEnvironment env, Worker worker) {
    env.start();
    ClusterWorkflow wf = existing(env, "staging");
    submit(env, worker, "staging", request("r1", cluster(0, 1), options(1, false, false, false)));
    WorkflowStub.fromTyped(wf).getResult(Void.class);
    List<OperationSummary> ops = wf.operations();
    assertEquals(1, ops.size());
    assertEquals(OperationState.FAILED, ops.get(0).state());
    assertTrue(ops.get(0).message().contains("for cluster prod"), ops.get(0).message());
    assertTrue(fleet.events.isEmpty(), fleet.events.toString());
  }

  @Test
  void continuesAsNewCarryingTheQueueAndTheRecentList(TestWorkflowEnvironment env, Worker worker) {
    fleet.existing("node1", "node2");
    env.start();
    ClusterWorkflow wf = clusterStub(env, worker);
    OperationSummary earlier =
        new OperationSummary(
            "cluster/prod/expand/r0",
            "expand",
            "prod",
            OperationState.DONE,
            "alice",
            1L,
            2L,
            3L,
            "expanded by 1 node(s)");
    OperationRequest next = request("r1", cluster(0, 1), options(1, false, false, false));
    WorkflowClient.start(wf::run, new ClusterState("prod", List.of(next), List.of(earlier)));
    submit(
        env,
        worker,
        "prod",
        request(
            "r0",
            cluster(0, 1),
            options(1, false, false, false))); // already ran before the carry-over
    WorkflowStub.fromTyped(wf).getResult(Void.class);
    List<OperationSummary> ops = wf.operations();
    assertEquals(
        List.of("cluster/prod/expand/r0", next.operationId()),
        ops.stream().map(OperationSummary::id).toList());
    assertEquals(OperationState.DONE, ops.get(1).state(), ops.get(1).message());
    assertEquals(1, fleet.events.stream().filter(e -> e.startsWith("allocate")).count());
  }

  /** A stand-in for the upgrade: records the request it ran and ends completed. */
  public static class RecordingUpgrade extends dev.graft.workflows.step.StepsWorkflow
      implements dev.graft.workflows.upgrade.UpgradeWorkflow {
    static final List<String> RAN = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public ExpansionResult upgrade(OperationRequest request) {
      RAN.add(
          io.temporal.workflow.Workflow.getInfo().getWorkflowId()
              + " to "
              + request.upgrade().to());
      return new ExpansionResult(
          request.operationId(),
          dev.graft.workflows.step.OperationOutcome.COMPLETED,
          "upgraded to " + request.upgrade().to(),
          new ExpansionResult.StepCounts(0, 0, 0, 0),
          List.of(),
          0);
    }

    @Override
    public ExpansionProgress progress() {
      return null;
    }

    @Override
    public void childAttention(dev.graft.workflows.step.ChildAttention attention) {}
  }

  private static OperationRequest upgrade(
      String requestId, dev.graft.workflows.plan.UpgradePlan plan) {
    return new OperationRequest(
        "upgrade", requestId, "alice", cluster(0, 0), null, options(1, false, false, false), plan);
  }

  @Test
  void anUpgradeRunsAsAnUpgradeChildUnderItsOperationId(
      TestWorkflowEnvironment env, Worker worker) {
    RecordingUpgrade.RAN.clear();
    env.start();
    ClusterWorkflow wf = existing(env, "prod");
    dev.graft.workflows.plan.UpgradePlan plan =
        new dev.graft.workflows.plan.UpgradePlan(
            "prod", "v1.30.2", "v1.31.0", List.of(), List.of(), null, 1, null, List.of(),
            List.of());
    OperationRequest r = upgrade("u1", plan);
    submit(env, worker, "prod", r);
    submit(env, worker, "prod", upgrade("u2", null)); // no plan: refused, nothing runs
    WorkflowStub.fromTyped(wf).getResult(Void.class);
    List<OperationSummary> ops = wf.operations();
    assertEquals("cluster/prod/upgrade/u1", r.operationId());
    assertEquals(
        OperationState.DONE, op(ops, r.operationId()).state(), op(ops, r.operationId()).message());
    assertEquals("upgrade", op(ops, r.operationId()).kind());
    assertEquals(List.of("cluster/prod/upgrade/u1 to v1.31.0"), RecordingUpgrade.RAN);
    OperationSummary refused = op(ops, "cluster/prod/upgrade/u2");
    assertEquals(OperationState.FAILED, refused.state());
    assertTrue(refused.message().contains("without its plan"), refused.message());
  }
}
