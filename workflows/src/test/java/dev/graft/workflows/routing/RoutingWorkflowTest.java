package dev.graft.workflows.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.HistoryFixtures;
import dev.graft.workflows.step.OperatedWorkflow;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorRequest;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RoutingWorkflow in the Temporal test environment, against a stateful fake API and nodes. */
class RoutingWorkflowTest {
  private static final PodNetwork NET = new PodNetwork("10.244.0.0/16", 24);
  private final FakePodNetwork fake = new FakePodNetwork();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(
              RoutingWorkflowImpl.class, RoutingBatchWorkflowImpl.class, AttentionParentImpl.class)
          .setActivityImplementations(fake)
          .setDoNotStart(true)
          .build();

  private static NodeSpec node(int i) {
    return new NodeSpec(
        "n" + i, "10.0.0." + (10 + i), null, List.of(Role.WORKER), null, null, null, null);
  }

  private static List<NodeSpec> nodes(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(RoutingWorkflowTest::node).toList();
  }

  private static RoutingRequest request(
      String op, List<NodeSpec> nodes, PodNetwork net, int parallel, int attempts) {
    return new RoutingRequest(
        "prod",
        op,
        "/etc/graft/prod.conf",
        net,
        nodes,
        null,
        parallel,
        true,
        new ExecutionPolicy(attempts, null, null, null));
  }

  /**
   * The same request with a batch size that makes the workflow route {@code entries / (n − 1)}
   * nodes per batch.
   */
  private static RoutingRequest batched(RoutingRequest r, int entriesPerBatch) {
    return new RoutingRequest(
        r.cluster(),
        r.operationId(),
        r.kubeconfig(),
        r.podNetwork(),
        r.nodes(),
        r.verifyTargets(),
        r.maxParallel(),
        r.verify(),
        r.policy(),
        entriesPerBatch);
  }

  private static RoutingBatchWorkflow batchStub(
      TestWorkflowEnvironment env, String op, String what, int k) {
    return env.getWorkflowClient()
        .newWorkflowStub(RoutingBatchWorkflow.class, RoutingRequest.batchId(op, what, k));
  }

  private static List<String> ids(List<StepView> steps) {
    return steps.stream().map(StepView::id).toList();
  }

  private RoutingWorkflow stub(TestWorkflowEnvironment env, Worker worker, String op) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            RoutingWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(worker.getTaskQueue())
                .setWorkflowId(RoutingRequest.workflowId(op))
                .build());
  }

  private RoutingResult run(TestWorkflowEnvironment env, Worker worker, RoutingRequest r) {
    return stub(env, worker, r.operationId()).route(r);
  }

  private static StepView step(List<StepView> steps, String id) {
    return steps.stream()
        .filter(s -> s.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + id + " in " + steps));
  }

  private static void awaitStep(OperatedWorkflow wf, String id, StepState state)
      throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      try {
        if (wf.steps().stream().anyMatch(s -> s.id().equals(id) && s.state() == state)) {
          return;
        }
      } catch (WorkflowNotFoundException notStartedYet) {
        // A child its parent has not started yet.
      }
      Thread.sleep(25);
    }
    throw new AssertionError(id + " never reached " + state + ": " + wf.steps());
  }

  @Test
  void threeNodesGetPodCidrsRoutesToEachOtherAndAFullMatrix(
      TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n2", "n3");
    env.start();
    RoutingResult r = run(env, worker, request("cluster/prod/expand/a", nodes(3), NET, 10, 3));

    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.steps().toString());
    assertEquals("routed", r.mode());
    assertEquals(
        Map.of("n1", "10.244.0.0/24", "n2", "10.244.1.0/24", "n3", "10.244.2.0/24"), fake.nodes);
    assertEquals(
        Map.of("10.244.1.0/24", "10.0.0.12", "10.244.2.0/24", "10.0.0.13"), fake.routes.get("n1"));
    assertEquals(6, r.matrix().size(), r.matrix().toString());
    assertTrue(r.matrix().stream().allMatch(PairResult::reachable));
    assertEquals(
        List.of("n1>n2", "n1>n3", "n2>n1", "n2>n3", "n3>n1", "n3>n2"),
        r.matrix().stream().map(p -> p.from() + ">" + p.to()).toList(),
        "sorted by source, then target");
    // The default target of a node is its bridge address.
    assertEquals("10.244.1.1", r.matrix().get(0).address());
    for (String id : List.of("allocate", "routes/n1", "routes/n2", "routes/n3", "verify/n1")) {
      assertEquals(StepState.SUCCEEDED, step(r.steps(), id).state(), id);
    }
    assertEquals("n2", step(r.steps(), "routes/n2").node(), "each node's step names its node");
    HistoryFixtures.record(
        env, RoutingRequest.workflowId("cluster/prod/expand/a"), "routing-happy");
  }

  @Test
  void aSecondRunChangesNothingAndSaysSo(TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n2", "n3");
    env.start();
    run(env, worker, request("op/1", nodes(3), NET, 10, 3));
    int before = fake.mutations.size();
    RoutingResult again = run(env, worker, request("op/2", nodes(3), NET, 10, 3));

    assertEquals(before, fake.mutations.size(), "no mutation on the second run: " + fake.mutations);
    assertEquals(StepState.ALREADY_SATISFIED, step(again.steps(), "allocate").state());
    for (int i = 1; i <= 3; i++) {
      assertEquals(StepState.ALREADY_SATISFIED, step(again.steps(), "routes/n" + i).state());
    }
  }

  @Test
  void addingANodeRoutesItEverywhereAndEveryExistingNodeToIt(
      TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n2", "n3");
    env.start();
    run(env, worker, request("op/1", nodes(3), NET, 10, 3));
    fake.register("n4");
    fake.mutations.clear();
    RoutingResult r = run(env, worker, request("op/2", nodes(4), NET, 10, 3));

    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.steps().toString());
    for (int i = 1; i <= 3; i++) {
      StepView s = step(r.steps(), "routes/n" + i);
      assertEquals(StepState.SUCCEEDED, s.state());
      assertEquals("route 10.244.3.0/24 via 10.0.0.14", s.summary(), "only the new route on n" + i);
    }
    assertEquals(3, fake.routes.get("n4").size());
    assertTrue(fake.mutations.contains("podCIDR n4 10.244.3.0/24"));
    assertEquals(12, r.matrix().size());
    assertTrue(r.matrix().stream().allMatch(PairResult::reachable));
  }

  @Test
  void aNodeThatAlreadyHoldsABlockKeepsIt(TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n3");
    fake.nodes.put("n2", "10.244.0.0/24");
    env.start();
    RoutingResult r = run(env, worker, request("op/1", nodes(3), NET, 10, 3));
    assertEquals("10.244.0.0/24", fake.nodes.get("n2"));
    assertEquals("10.244.1.0/24", fake.nodes.get("n1"));
    NodePodCidr n2 =
        r.podCidrs().stream().filter(p -> p.node().equals("n2")).findFirst().orElseThrow();
    assertFalse(n2.allocatedNow());
  }

  @Test
  void aRouteManagingCniMeansNoRouteProgrammingAndTheWorkflowSaysSo(
      TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n2");
    fake.cni = "calico";
    env.start();
    RoutingResult r = run(env, worker, request("op/1", nodes(2), NET, 10, 3));

    assertEquals(OperationOutcome.COMPLETED, r.outcome());
    assertEquals("cni:calico", r.mode());
    assertTrue(r.note().contains("skips route programming"), r.note());
    assertTrue(fake.routes.isEmpty(), "no node was touched");
    assertTrue(
        r.steps().stream().noneMatch(s -> s.id().startsWith("routes/")), r.steps().toString());
    assertTrue(r.matrix().isEmpty());
  }

  @Test
  void nodesAreProgrammedInParallelUpToTheBound(TestWorkflowEnvironment env, Worker worker) {
    String[] names = IntStream.rangeClosed(1, 6).mapToObj(i -> "n" + i).toArray(String[]::new);
    fake.register(names);
    fake.programMillis = 150;
    env.start();
    RoutingResult r = run(env, worker, request("op/1", nodes(6), NET, 2, 3));

    assertEquals(OperationOutcome.COMPLETED, r.outcome());
    assertEquals(2, fake.maxRunning.get(), "two nodes at a time, never more");
  }

  @Test
  void exhaustionParksBeforeAnythingChangesAndAnAbortEndsIt(
      TestWorkflowEnvironment env, Worker worker) throws InterruptedException {
    fake.register("n1", "n2", "n3");
    env.start();
    RoutingWorkflow wf = stub(env, worker, "op/x");
    WorkflowClient.start(
        wf::route, request("op/x", nodes(3), new PodNetwork("10.244.0.0/23", 24), 10, 3));
    awaitStep(wf, "allocate", StepState.NEEDS_ATTENTION);

    StepView allocate = step(wf.steps(), "allocate");
    assertEquals("PodCidrExhausted", allocate.errorType());
    assertEquals(1, allocate.attempts(), "exhaustion is not retried");
    assertTrue(allocate.error().contains("[n3]"), allocate.error());
    assertTrue(fake.mutations.isEmpty(), "nothing was recorded: " + fake.mutations);

    wf.decide(new OperatorRequest(null, Decision.ABORT, "alice", "widen the network first"));
    RoutingResult r = WorkflowStub.fromTyped(wf).getResult(RoutingResult.class);
    assertEquals(OperationOutcome.ABORTED, r.outcome());
    assertTrue(fake.routes.isEmpty());
  }

  @Test
  void anUnreachablePairParksItsRowUntilFixedAndRetried(TestWorkflowEnvironment env, Worker worker)
      throws InterruptedException {
    fake.register("n1", "n2", "n3");
    fake.blockedPairs.add("n1>n3");
    env.start();
    RoutingWorkflow wf = stub(env, worker, "op/v");
    WorkflowClient.start(wf::route, request("op/v", nodes(3), NET, 10, 1));
    awaitStep(wf, "verify/n1", StepState.NEEDS_ATTENTION);

    StepView row = step(wf.steps(), "verify/n1");
    assertEquals("PodNetworkUnreachable", row.errorType());
    assertTrue(row.outputTail().contains("n3 10.244.2.1"), row.outputTail());
    fake.blockedPairs.clear();
    wf.decide(new OperatorRequest("verify/n1", Decision.RETRY, "bob", "firewall fixed"));
    RoutingResult r = WorkflowStub.fromTyped(wf).getResult(RoutingResult.class);

    assertEquals(OperationOutcome.COMPLETED, r.outcome());
    assertEquals(6, r.matrix().size());
    assertEquals(2, step(r.steps(), "verify/n1").attempts());
    assertNull(step(r.steps(), "verify/n1").error());
  }

  @Test
  void anAbortWhileOneNodeWaitsStopsEveryParallelStep(TestWorkflowEnvironment env, Worker worker)
      throws InterruptedException {
    fake.register("n1", "n2", "n3", "n4");
    fake.failNext.put("routes/n2", new AtomicInteger(1));
    env.start();
    RoutingWorkflow wf = stub(env, worker, "op/a");
    WorkflowClient.start(wf::route, request("op/a", nodes(4), NET, 2, 1));
    awaitStep(wf, "routes/n2", StepState.NEEDS_ATTENTION);
    wf.decide(new OperatorRequest(null, Decision.ABORT, "carol", "wrong cluster"));
    RoutingResult r = WorkflowStub.fromTyped(wf).getResult(RoutingResult.class);

    assertEquals(OperationOutcome.ABORTED, r.outcome());
    List<String> verified = new ArrayList<>();
    r.steps().stream()
        .filter(s -> s.id().startsWith("verify/") && s.state() != StepState.PENDING)
        .forEach(s -> verified.add(s.id()));
    assertTrue(verified.isEmpty(), "no verification after an abort: " + verified);
  }

  @Test
  void aClusterTooLargeForOneHistoryIsRoutedInBatchChildrenToTheSameResult(
      TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n2", "n3", "n4", "n5");
    env.start();
    // 8 entries a batch, 4 other nodes each: batches of 2 nodes, 3 for the routes and 3 for verify.
    RoutingRequest request = batched(request("op/big", nodes(5), NET, 10, 3), 8);
    assertEquals(
        List.of(
            "routing-routes-1",
            "routing-routes-2",
            "routing-routes-3",
            "routing-verify-1",
            "routing-verify-2",
            "routing-verify-3"),
        List.copyOf(request.batchChildren().keySet()));
    RoutingWorkflow wf = stub(env, worker, "op/big");
    RoutingResult r = wf.route(request);

    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.steps().toString());
    assertEquals("routed", r.mode());
    assertEquals(5, r.podCidrs().size());
    for (int i = 1; i <= 5; i++) {
      assertEquals(4, fake.routes.get("n" + i).size(), "n" + i + " routes to every other node");
    }
    assertEquals(20, r.matrix().size(), "every row of every batch: " + r.matrix());
    assertTrue(r.matrix().stream().allMatch(PairResult::reachable));
    List<String> nodeSteps = new ArrayList<>(List.of("detect-cni", "allocate"));
    IntStream.rangeClosed(1, 5).forEach(i -> nodeSteps.add("routes/n" + i));
    IntStream.rangeClosed(1, 5).forEach(i -> nodeSteps.add("verify/n" + i));
    assertEquals(
        nodeSteps, ids(r.steps()), "the result lists the node steps, as an unbatched run's does");
    assertTrue(
        r.steps().stream().allMatch(s -> s.state() == StepState.SUCCEEDED && s.attempts() == 1),
        r.steps().toString());
    assertEquals(
        List.of(
            "detect-cni",
            "allocate",
            "batch/routes-1",
            "batch/routes-2",
            "batch/routes-3",
            "batch/verify-1",
            "batch/verify-2",
            "batch/verify-3"),
        ids(wf.steps()),
        "a step per batch here");
    assertEquals(
        "program pod routes on 2 nodes (n3 … n4)", step(wf.steps(), "batch/routes-2").name());
    assertEquals(List.of("verify/n5"), ids(batchStub(env, "op/big", "verify", 3).steps()));
    assertTrue(
        env
            .getWorkflowClient()
            .fetchHistory(RoutingRequest.workflowId("op/big"))
            .getEvents()
            .stream()
            .noneMatch(
                e ->
                    e.hasActivityTaskScheduledEventAttributes()
                        && e.getActivityTaskScheduledEventAttributes()
                            .getActivityType()
                            .getName()
                            .startsWith("NodeRouting")),
        "no node step runs in the routing workflow's own history");
    HistoryFixtures.record(env, RoutingRequest.workflowId("op/big"), "routing-batched");
    HistoryFixtures.record(
        env, RoutingRequest.batchId("op/big", "verify", 1), "routing-batch-verify");
  }

  @Test
  void aStepParkedInABatchTakesTheOperatorsDecisionThere(TestWorkflowEnvironment env, Worker worker)
      throws InterruptedException {
    fake.register("n1", "n2", "n3", "n4", "n5");
    fake.failNext.put("routes/n3", new AtomicInteger(1));
    env.start();
    RoutingWorkflow wf = stub(env, worker, "op/d");
    WorkflowClient.start(wf::route, batched(request("op/d", nodes(5), NET, 10, 1), 8));
    RoutingBatchWorkflow batch = batchStub(env, "op/d", "routes", 2);
    awaitStep(batch, "routes/n3", StepState.NEEDS_ATTENTION);
    assertEquals(
        StepState.RUNNING,
        step(wf.steps(), "batch/routes-2").state(),
        "the routing waits for its batch");
    batch.decide(new OperatorRequest("routes/n3", Decision.RETRY, "bob", "transient"));
    RoutingResult r = WorkflowStub.fromTyped(wf).getResult(RoutingResult.class);

    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.steps().toString());
    StepView routes = step(r.steps(), "routes/n3");
    assertEquals(2, routes.attempts());
    assertEquals(List.of("bob"), routes.actions().stream().map(a -> a.actor()).toList());
    assertEquals(20, r.matrix().size());
  }

  @Test
  void aBatchAbortedOnItsOwnParksItsStepAndRetryRunsItAgain(
      TestWorkflowEnvironment env, Worker worker) throws InterruptedException {
    fake.register("n1", "n2", "n3", "n4", "n5");
    fake.blockedPairs.add("n5>n1");
    env.start();
    RoutingWorkflow wf = stub(env, worker, "op/ab");
    WorkflowClient.start(wf::route, batched(request("op/ab", nodes(5), NET, 10, 1), 8));
    RoutingBatchWorkflow batch = batchStub(env, "op/ab", "verify", 3);
    awaitStep(batch, "verify/n5", StepState.NEEDS_ATTENTION);
    batch.decide(new OperatorRequest(null, Decision.ABORT, "dave", "look at n5 first"));
    awaitStep(wf, "batch/verify-3", StepState.NEEDS_ATTENTION);
    assertEquals("ChildAborted", step(wf.steps(), "batch/verify-3").errorType());
    fake.blockedPairs.clear();
    wf.decide(new OperatorRequest("batch/verify-3", Decision.RETRY, "dave", "n5 fixed"));
    RoutingResult r = WorkflowStub.fromTyped(wf).getResult(RoutingResult.class);

    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.steps().toString());
    assertEquals(
        StepState.SUCCEEDED, step(r.steps(), "verify/n5").state(), "from the batch's second run");
    assertEquals(20, r.matrix().size(), "the aborted run's rows are not kept");
  }

  @Test
  void anAbortOfTheRoutingCancelsTheBatchThatRuns(TestWorkflowEnvironment env, Worker worker)
      throws InterruptedException {
    fake.register("n1", "n2", "n3", "n4", "n5");
    fake.blockedPairs.add("n3>n1");
    env.start();
    RoutingWorkflow wf = stub(env, worker, "op/c");
    WorkflowClient.start(wf::route, batched(request("op/c", nodes(5), NET, 10, 1), 8));
    RoutingBatchWorkflow batch = batchStub(env, "op/c", "verify", 2);
    awaitStep(batch, "verify/n3", StepState.NEEDS_ATTENTION);
    wf.decide(new OperatorRequest(null, Decision.ABORT, "erin", "wrong cluster"));
    RoutingResult r = WorkflowStub.fromTyped(wf).getResult(RoutingResult.class);

    assertEquals(OperationOutcome.ABORTED, r.outcome());
    WorkflowFailedException cancelled =
        assertThrows(
            WorkflowFailedException.class,
            () -> WorkflowStub.fromTyped(batch).getResult(RoutingBatchResult.class));
    assertTrue(
        cancelled.getCause() instanceof CanceledFailure, "the batch was cancelled: " + cancelled);
    assertEquals(
        StepState.SUCCEEDED, step(r.steps(), "verify/n1").state(), "from the batch that ended");
    assertTrue(
        r.steps().stream().noneMatch(s -> s.id().equals("verify/n5")),
        "no batch ran after the abort");
  }

  @Test
  void theOperationHearsOfAStepWaitingInABatchAndThatNothingWaitsOnceItEnds(
      TestWorkflowEnvironment env, Worker worker) throws InterruptedException {
    fake.register("n1", "n2", "n3", "n4", "n5");
    fake.failNext.put("routes/n1", new AtomicInteger(1));
    fake.blockedPairs.add("n5>n1");
    env.start();
    AttentionParent parent =
        env.getWorkflowClient()
            .newWorkflowStub(
                AttentionParent.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId("op/p")
                    .build());
    WorkflowClient.start(parent::run, batched(request("op/p", nodes(5), NET, 10, 1), 8));
    RoutingBatchWorkflow routes1 = batchStub(env, "op/p", "routes", 1);
    awaitStep(routes1, "routes/n1", StepState.NEEDS_ATTENTION);
    routes1.decide(new OperatorRequest("routes/n1", Decision.RETRY, "bob", null));
    RoutingBatchWorkflow verify3 = batchStub(env, "op/p", "verify", 3);
    awaitStep(verify3, "verify/n5", StepState.NEEDS_ATTENTION);
    verify3.decide(new OperatorRequest("verify/n5", Decision.SKIP, "bob", "n5 is known to be odd"));
    WorkflowStub.fromTyped(parent).getResult(Void.class);

    String r1 = RoutingRequest.batchId("op/p", "routes", 1);
    String v3 = RoutingRequest.batchId("op/p", "verify", 3);
    assertEquals(
        List.of(r1 + " [routes/n1]", r1 + " []", v3 + " [verify/n5]", v3 + " []"),
        parent.heard(),
        "the operation must not be left believing a step still waits");
  }

  @Test
  void aLargeClustersRowsAndResultListOnlyTheUnreachablePairs(
      TestWorkflowEnvironment env, Worker worker) {
    String[] names = IntStream.rangeClosed(1, 60).mapToObj(i -> "n" + i).toArray(String[]::new);
    fake.register(names);
    env.start();
    RoutingResult r = run(env, worker, request("op/60", nodes(60), NET, 20, 3));

    assertEquals(OperationOutcome.COMPLETED, r.outcome());
    assertTrue(r.matrix().isEmpty(), "no reachable cell is kept: " + r.matrix().size());
    assertEquals(
        "3540 of 3540 pairs reachable; the matrix lists the unreachable ones only (see each verify"
            + " step)",
        r.note());
  }

  /** A stand-in for an operation: starts routing as its child and records what reaches it. */
  @WorkflowInterface
  public interface AttentionParent {
    @WorkflowMethod
    void run(RoutingRequest request);

    @SignalMethod(name = AttentionReporter.SIGNAL)
    void childAttention(ChildAttention attention);

    @QueryMethod
    List<String> heard();
  }

  public static class AttentionParentImpl implements AttentionParent {
    private final List<String> heard = new ArrayList<>();

    @Override
    public void run(RoutingRequest request) {
      RoutingWorkflow child =
          Workflow.newChildWorkflowStub(
              RoutingWorkflow.class,
              ChildWorkflowOptions.newBuilder()
                  .setWorkflowId(RoutingRequest.workflowId(request.operationId()))
                  .build());
      child.route(request);
    }

    @Override
    public void childAttention(ChildAttention attention) {
      heard.add(attention.childId() + " " + attention.waiting());
    }

    @Override
    public List<String> heard() {
      return heard;
    }
  }
}
