package dev.graft.workflows.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.join.ExecutionPolicy;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.HistoryFixtures;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorRequest;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
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
          .registerWorkflowImplementationTypes(RoutingWorkflowImpl.class)
          .setActivityImplementations(fake)
          .setDoNotStart(true)
          .build();

  private static NodeSpec node(int i) {
    return new NodeSpec("n" + i, "10.0.0." + (10 + i), null, List.of(Role.WORKER), null, null, null, null);
  }

  private static List<NodeSpec> nodes(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(RoutingWorkflowTest::node).toList();
  }

  private static RoutingRequest request(String op, List<NodeSpec> nodes, PodNetwork net, int parallel, int attempts) {
    return new RoutingRequest("prod", op, "/etc/graft/prod.conf", net, nodes, null, parallel, true,
        new ExecutionPolicy(attempts, null, null, null));
  }

  private RoutingWorkflow stub(TestWorkflowEnvironment env, Worker worker, String op) {
    return env.getWorkflowClient().newWorkflowStub(RoutingWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(worker.getTaskQueue())
            .setWorkflowId(RoutingRequest.workflowId(op)).build());
  }

  private RoutingResult run(TestWorkflowEnvironment env, Worker worker, RoutingRequest r) {
    return stub(env, worker, r.operationId()).route(r);
  }

  private static StepView step(List<StepView> steps, String id) {
    return steps.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no step " + id + " in " + steps));
  }

  private static void awaitStep(RoutingWorkflow wf, String id, StepState state) throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      if (wf.steps().stream().anyMatch(s -> s.id().equals(id) && s.state() == state)) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError(id + " never reached " + state + ": " + wf.steps());
  }

  @Test
  void threeNodesGetPodCidrsRoutesToEachOtherAndAFullMatrix(TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n2", "n3");
    env.start();
    RoutingResult r = run(env, worker, request("cluster/prod/expand/a", nodes(3), NET, 10, 3));

    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.steps().toString());
    assertEquals("routed", r.mode());
    assertEquals(Map.of("n1", "10.244.0.0/24", "n2", "10.244.1.0/24", "n3", "10.244.2.0/24"), fake.nodes);
    assertEquals(Map.of("10.244.1.0/24", "10.0.0.12", "10.244.2.0/24", "10.0.0.13"), fake.routes.get("n1"));
    assertEquals(6, r.matrix().size(), r.matrix().toString());
    assertTrue(r.matrix().stream().allMatch(PairResult::reachable));
    assertEquals(List.of("n1>n2", "n1>n3", "n2>n1", "n2>n3", "n3>n1", "n3>n2"),
        r.matrix().stream().map(p -> p.from() + ">" + p.to()).toList(), "sorted by source, then target");
    // The default target of a node is its bridge address.
    assertEquals("10.244.1.1", r.matrix().get(0).address());
    for (String id : List.of("allocate", "routes/n1", "routes/n2", "routes/n3", "verify/n1")) {
      assertEquals(StepState.SUCCEEDED, step(r.steps(), id).state(), id);
    }
    assertEquals("n2", step(r.steps(), "routes/n2").node(), "each node's step names its node");
    HistoryFixtures.record(env, RoutingRequest.workflowId("cluster/prod/expand/a"), "routing-happy");
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
  void addingANodeRoutesItEverywhereAndEveryExistingNodeToIt(TestWorkflowEnvironment env, Worker worker) {
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
    NodePodCidr n2 = r.podCidrs().stream().filter(p -> p.node().equals("n2")).findFirst().orElseThrow();
    assertFalse(n2.allocatedNow());
  }

  @Test
  void aRouteManagingCniMeansNoRouteProgrammingAndTheWorkflowSaysSo(TestWorkflowEnvironment env, Worker worker) {
    fake.register("n1", "n2");
    fake.cni = "calico";
    env.start();
    RoutingResult r = run(env, worker, request("op/1", nodes(2), NET, 10, 3));

    assertEquals(OperationOutcome.COMPLETED, r.outcome());
    assertEquals("cni:calico", r.mode());
    assertTrue(r.note().contains("skips route programming"), r.note());
    assertTrue(fake.routes.isEmpty(), "no node was touched");
    assertTrue(r.steps().stream().noneMatch(s -> s.id().startsWith("routes/")), r.steps().toString());
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
  void exhaustionParksBeforeAnythingChangesAndAnAbortEndsIt(TestWorkflowEnvironment env, Worker worker)
      throws InterruptedException {
    fake.register("n1", "n2", "n3");
    env.start();
    RoutingWorkflow wf = stub(env, worker, "op/x");
    WorkflowClient.start(wf::route, request("op/x", nodes(3), new PodNetwork("10.244.0.0/23", 24), 10, 3));
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
    r.steps().stream().filter(s -> s.id().startsWith("verify/") && s.state() != StepState.PENDING)
        .forEach(s -> verified.add(s.id()));
    assertTrue(verified.isEmpty(), "no verification after an abort: " + verified);
  }
}
