package dev.graft.workflows.expand;

import static dev.graft.workflows.expand.ExpansionFixtures.cluster;
import static dev.graft.workflows.expand.ExpansionFixtures.options;
import static dev.graft.workflows.expand.ExpansionFixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.expand.ExpansionResult.NodeSummary;
import dev.graft.workflows.expand.ExpansionResult.StepCounts;
import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.join.NodeJoinWorkflow;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.routing.RoutingBatchWorkflowImpl;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.HistoryFixtures;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorAction;
import dev.graft.workflows.step.OperatorRequest;
import dev.graft.workflows.step.StepKind;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ExpansionWorkflow with its real children (NodeJoin, Routing) in the Temporal test environment,
 * against a stateful fake fleet. The cluster grows from node1 (control plane + etcd) and node2
 * (worker) by two control-plane + etcd nodes (node3, node4) and workers (node5 and up).
 */
class ExpansionWorkflowTest {
  private static final List<String> MUTATIONS =
      List.of("provision ", "register ", "join ", "routes ", "reset ", "delete ");
  private final FakeFleet fleet = new FakeFleet();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(
              ExpansionWorkflowImpl.class,
              NodeJoinWorkflowImpl.class,
              RoutingWorkflowImpl.class,
              RoutingBatchWorkflowImpl.class,
              dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl.class)
          .setActivityImplementations(fleet, fleet.etcd)
          .setDoNotStart(true)
          .build();

  private ExpansionWorkflow start(TestWorkflowEnvironment env, Worker worker, OperationRequest r) {
    fleet.existing("node1", "node2");
    env.start();
    ExpansionWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                ExpansionWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId(r.operationId())
                    .build());
    WorkflowClient.start(wf::expand, r);
    return wf;
  }

  private static ExpansionResult result(ExpansionWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(ExpansionResult.class);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("never happened: " + what);
  }

  private static StepView step(List<StepView> steps, String id) {
    return steps.stream()
        .filter(s -> s.id().equals(id))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no step " + id + " in " + steps.stream().map(StepView::id).toList()));
  }

  private boolean changed() {
    return fleet.events.stream().anyMatch(e -> MUTATIONS.stream().anyMatch(e::startsWith));
  }

  private int index(String event) {
    int i = fleet.events.indexOf(event);
    assertTrue(i >= 0, "no event " + event + " in " + fleet.events);
    return i;
  }

  private static NodeSummary node(ExpansionResult r, String name) {
    return r.nodes().stream().filter(n -> n.node().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void runsPrechecksThenControlPlaneOneAtATimeThenWorkersInParallelThenRoutingAndVerification(
      TestWorkflowEnvironment env, Worker worker) {
    fleet.joinMillis = 150;
    OperationRequest r = request("r1", cluster(2, 6), options(2, false, false, false));
    ExpansionWorkflow wf = start(env, worker, r);
    ExpansionResult result = result(wf);

    assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.message());
    // Pre-checks: reach and pre-checks of all 8 new nodes come first, before any change.
    List<String> first16 = fleet.events.subList(0, 16);
    assertTrue(
        first16.stream().allMatch(e -> e.startsWith("reach ") || e.startsWith("precheck ")),
        first16.toString());
    // Control plane strictly one at a time: node3 is Ready before node4 is touched, and both
    // before any worker changes.
    assertEquals(1, fleet.maxControlPlaneJoinsRunning.get());
    assertTrue(index("ready node3") < index("provision node4"));
    assertTrue(
        index("ready node4")
            < fleet.events.stream()
                .filter(e -> e.startsWith("provision node"))
                .map(fleet.events::indexOf)
                .filter(i -> i > index("ready node4"))
                .findFirst()
                .orElseThrow());
    for (int w = 5; w <= 10; w++) {
      assertTrue(
          index("ready node4") < index("provision node" + w),
          "worker node" + w + " after the control plane");
    }
    // Workers: at most maxParallel joins at once, and the bound was actually used.
    assertEquals(2, fleet.maxJoinsRunning.get());
    // Routing over every node (2 existing + 8 new), after the last worker is Ready; then
    // verification.
    assertEquals(10, fleet.routesPerNode.size());
    assertEquals(9, fleet.routesPerNode.get("node1"));
    int routing = index("allocate 10");
    for (int w = 5; w <= 10; w++) {
      assertTrue(index("ready node" + w) < routing);
    }
    assertTrue(routing < index("verify-ready 10"));

    // etcd, per control-plane node: the quorum gate before the node changes anything, then (after
    // its join) the growth child's check that kubeadm's member is a healthy voter, before the next
    // node; at the end, the voters and the apiservers are verified after every node is Ready.
    assertTrue(index("etcd-gate node3") < index("provision node3"));
    assertTrue(index("ready node3") < index("verify-voter node3"));
    assertTrue(index("verify-voter node3") < index("etcd-gate node4"));
    assertTrue(index("etcd-gate node4") < index("provision node4"));
    assertTrue(index("verify-voter node4") < index("provision node5"));
    assertTrue(index("verify-ready 10") < index("etcd-health 3"));
    assertTrue(index("etcd-health 3") < index("verify-apiservers 3"));

    // Summary. Own steps counted: reach + pre-checks (16), etcd-gate/node3 and /node4 (2),
    // verify/nodes-ready and verify/etcd (2); the etcd/<node> steps stand for the growth child,
    // whose verify-voter steps are counted (2). Each of the 8 joins has 6 steps; routing has
    // detect-cni, allocate, and routes + verify per node (20).
    assertEquals(new StepCounts(16 + 2 + 2 + 2 + 8 * 6 + 22, 0, 0, 0), result.total());
    assertEquals(8, result.nodes().size());
    // node3: reach, pre-checks, etcd gate, its 6 join steps, verify-voter, its routes and verify
    // steps.
    assertEquals(new StepCounts(12, 0, 0, 0), node(result, "node3").steps());
    assertEquals("joined", node(result, "node3").outcome());
    assertEquals(new StepCounts(10, 0, 0, 0), node(result, "node9").steps());
    assertTrue(result.durationMillis() > 0);

    ExpansionProgress progress = wf.progress();
    assertEquals(OperationState.DONE, progress.state());
    assertEquals(
        NodeJoinRequest.workflowId(r.operationId(), "node7"),
        progress.children().get("node/node7"));
    assertEquals(r.operationId() + "/routing", progress.children().get("routing"));
    // Every member's growth ran under the cluster's one membership id.
    assertEquals(StepState.SUCCEEDED, step(wf.steps(), "etcd/node3").state());
    assertEquals("cluster/prod/etcd-membership", progress.children().get("etcd/node4"));
    HistoryFixtures.record(env, r.operationId(), "expansion-happy");
  }

  @Test
  void aFailedPrecheckStopsTheRunBeforeTheClusterChanges(
      TestWorkflowEnvironment env, Worker worker) {
    fleet.failingPrechecks.add("node6");
    OperationRequest r = request("r1", cluster(2, 4), options(2, false, false, false));
    ExpansionWorkflow wf = start(env, worker, r);
    ExpansionResult result = result(wf);

    assertEquals(OperationOutcome.FAILED, result.outcome());
    assertTrue(
        result.message().contains("node6")
            && result.message().contains("nothing in the cluster was changed"),
        result.message());
    assertFalse(changed(), fleet.events.toString());
    assertTrue(wf.progress().children().isEmpty());
    assertEquals(StepState.FAILED, step(wf.steps(), "precheck/node6").state());
    assertTrue(step(wf.steps(), "precheck/node6").outputTail().contains("swap"));
    assertEquals(StepState.SUCCEEDED, step(wf.steps(), "precheck/node5").state());
    assertEquals(OperationState.FAILED, wf.progress().state());
  }

  @Test
  void excludeFailedPrechecksGoesOnWithoutTheFailedNodes(
      TestWorkflowEnvironment env, Worker worker) {
    fleet.failingPrechecks.add("node6");
    OperationRequest r = request("r1", cluster(2, 4), options(2, false, false, true));
    ExpansionWorkflow wf = start(env, worker, r);
    ExpansionResult result = result(wf);

    assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.message());
    assertTrue(
        result.message().contains("excluded after failed pre-checks: [node6]"), result.message());
    assertEquals(List.of("node6"), wf.progress().excludedNodes());
    assertFalse(fleet.joined.contains("node6"));
    assertFalse(fleet.events.stream().anyMatch(e -> e.equals("provision node6")));
    assertFalse(fleet.routesPerNode.containsKey("node6"), "routing leaves the excluded node out");
    assertEquals(7, fleet.routesPerNode.size());
    assertTrue(fleet.events.contains("verify-ready 7"));
    assertEquals("excluded", node(result, "node6").outcome());
    assertEquals(1, node(result, "node6").steps().failed());
  }

  @Test
  void approvalGatesParkBeforeChangesAndRecordWhoApproved(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    OperationRequest r = request("r1", cluster(2, 1), options(2, true, true, false));
    ExpansionWorkflow wf = start(env, worker, r);

    await("waiting for approval", () -> wf.progress().state() == OperationState.WAITING_APPROVAL);
    assertEquals(
        "approve",
        wf.steps().stream()
            .filter(s -> s.state() == StepState.NEEDS_ATTENTION)
            .findFirst()
            .orElseThrow()
            .id());
    assertFalse(changed(), "nothing changes before the approval: " + fleet.events);
    assertThrows(
        Exception.class,
        () -> wf.decide(new OperatorRequest("approve", Decision.RETRY, "bob", null)),
        "a gate is approved, not retried");
    OperatorAction action =
        wf.decide(new OperatorRequest(null, Decision.APPROVE, "bob", "change window open"));
    assertEquals("bob", action.actor());

    await(
        "approve/node3 waits",
        () ->
            wf.steps().stream()
                .anyMatch(
                    s -> s.id().equals("approve/node3") && s.state() == StepState.NEEDS_ATTENTION));
    assertFalse(fleet.events.contains("provision node3"));
    wf.decide(new OperatorRequest("approve/node3", Decision.APPROVE, "carol", null));
    await(
        "approve/node4 waits",
        () ->
            wf.steps().stream()
                .anyMatch(
                    s -> s.id().equals("approve/node4") && s.state() == StepState.NEEDS_ATTENTION));
    assertTrue(fleet.joined.contains("node3"));
    assertFalse(fleet.events.contains("provision node4"));
    wf.decide(new OperatorRequest("approve/node4", Decision.APPROVE, "carol", null));

    ExpansionResult result = result(wf);
    assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.message());
    StepView gate = step(wf.steps(), "approve");
    assertEquals(StepKind.GATE, gate.kind());
    assertEquals("bob", gate.actions().get(0).actor());
    assertEquals("change window open", gate.actions().get(0).reason());
    assertEquals("approved by carol", step(wf.steps(), "approve/node4").summary());
    HistoryFixtures.record(env, r.operationId(), "expansion-approval");
  }

  @Test
  void aChildThatNeedsAttentionShowsOnTheExpansionAndARetryOnTheChildFinishesIt(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fleet.failNext.put("join/node4", new AtomicInteger(2)); // both attempts of the policy
    OperationRequest r = request("r1", cluster(0, 3), options(3, false, false, false));
    ExpansionWorkflow wf = start(env, worker, r);

    await("needs attention", () -> wf.progress().state() == OperationState.NEEDS_ATTENTION);
    String childId = wf.progress().children().get("node/node4");
    NodeJoinWorkflow child =
        env.getWorkflowClient().newWorkflowStub(NodeJoinWorkflow.class, childId);
    assertEquals(StepState.NEEDS_ATTENTION, step(child.steps(), "join").state());
    // The expansion's own step for the node keeps running: the decision belongs to the child.
    assertEquals(StepState.RUNNING, step(wf.steps(), "node/node4").state());
    assertTrue(wf.progress().children().size() == 3, "every worker started (maxParallel 3)");
    assertThrows(
        Exception.class,
        () -> wf.decide(new OperatorRequest("node/node4", Decision.RETRY, "dave", null)));

    child.decide(new OperatorRequest("join", Decision.RETRY, "dave", "disk freed"));
    ExpansionResult result = result(wf);
    assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.message());
    assertEquals(OperationState.DONE, wf.progress().state());
    NodeJoinResult joined = WorkflowStub.fromTyped(child).getResult(NodeJoinResult.class);
    StepView join = step(joined.steps(), "join");
    assertEquals("dave", join.actions().get(0).actor());
    assertEquals(3, join.attempts());
    assertTrue(fleet.joined.contains("node4"));
    HistoryFixtures.record(env, r.operationId(), "expansion-child-attention");
  }

  @Test
  void abortCancelsRunningChildrenWhichRunTheirCompensations(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fleet.failNext.put("ready/node5", new AtomicInteger(1000));
    OperationRequest r = request("r1", cluster(0, 5), options(1, false, false, false));
    ExpansionWorkflow wf = start(env, worker, r);

    await("needs attention", () -> wf.progress().state() == OperationState.NEEDS_ATTENTION);
    assertTrue(
        fleet.joined.contains("node4"), "node3 and node4 joined before node5 (maxParallel 1)");
    wf.decide(new OperatorRequest(null, Decision.ABORT, "erin", "wrong rack"));
    ExpansionResult result = result(wf);

    assertEquals(OperationOutcome.ABORTED, result.outcome());
    assertEquals(OperationState.ABORTED, wf.progress().state());
    // node5's join ran its compensations (reverse order) when the expansion cancelled it.
    assertTrue(index("reset node5") < index("delete node5"), fleet.events.toString());
    assertFalse(fleet.joined.contains("node5"));
    // The child ended cancelled, after its compensations; the expansion's step for it says so.
    WorkflowStub child =
        env.getWorkflowClient()
            .newUntypedWorkflowStub(
                NodeJoinRequest.workflowId(r.operationId(), "node5"),
                java.util.Optional.empty(),
                java.util.Optional.empty());
    WorkflowFailedException ended =
        assertThrows(WorkflowFailedException.class, () -> child.getResult(NodeJoinResult.class));
    assertTrue(ended.getCause() instanceof CanceledFailure, ended.toString());
    assertEquals("ChildCancelled", step(wf.steps(), "node/node5").errorType());
    assertTrue(result.message().startsWith("aborted by erin (wrong rack)"), result.message());
    // Nothing after the abort: node6 and node7 never started, routing never ran.
    assertFalse(fleet.events.contains("provision node6"));
    assertFalse(fleet.events.contains("provision node7"));
    assertFalse(fleet.events.stream().anyMatch(e -> e.startsWith("allocate")));
    assertEquals("aborted", node(result, "node5").outcome());
    assertEquals("not-started", node(result, "node7").outcome());
    assertEquals("joined", node(result, "node4").outcome());
    HistoryFixtures.record(env, r.operationId(), "expansion-abort");
  }
}
