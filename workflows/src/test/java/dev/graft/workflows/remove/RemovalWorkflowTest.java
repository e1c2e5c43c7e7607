package dev.graft.workflows.remove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.expand.ExpansionOptions;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.HistoryFixtures;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorRequest;
import dev.graft.workflows.step.StepAttempt;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RemovalWorkflow with its real node children in the Temporal test environment, against a stateful
 * fake of the Nodes, etcd, manifests, routes and tokens: the order of the steps, the leader moved
 * before its member goes, a lost answer during member removal and during a drain (done once, found
 * done on the retry), a re-run that changes nothing, a live quorum refusal that changes nothing,
 * orphans removed only after approval.
 */
class RemovalWorkflowTest {
  private static final ExecutionPolicy POLICY =
      new ExecutionPolicy(3, Duration.ofMinutes(1), "4.20", Duration.ofSeconds(5));
  private final ClusterSpec cluster = RemovalPlannerTest.cluster(4, 2);
  private final FakeRemovalFleet fleet = FakeRemovalFleet.of(cluster, "node1");

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(
              RemovalWorkflowImpl.class, NodeRemovalWorkflowImpl.class, FakeAddWorkflow.class)
          .setActivityImplementations(fleet)
          .setDoNotStart(true)
          .build();

  private OperationRequest request(String id, RemovalPlan plan, boolean approval) {
    return new OperationRequest(
        "remove",
        id,
        "otto",
        cluster,
        null,
        new ExpansionOptions(approval, false, 0, false, null, POLICY),
        null,
        plan);
  }

  private RemovalPlan plan(boolean cleanOrphans, String... names) {
    RemovalPlan p = RemovalPlanner.plan(fleet.input(cluster, List.of(names), cleanOrphans));
    assertFalse(p.refused(), p.refusals().toString());
    return p;
  }

  private RemovalWorkflow start(TestWorkflowEnvironment env, Worker worker, OperationRequest r) {
    env.start();
    RemovalWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                RemovalWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId(r.operationId())
                    .build());
    WorkflowClient.start(wf::remove, r);
    return wf;
  }

  private static ExpansionResult result(RemovalWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(ExpansionResult.class);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 800; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("never happened: " + what);
  }

  private int index(String event) {
    int i = fleet.mutations.indexOf(event);
    assertTrue(i >= 0, "no " + event + " in " + fleet.mutations);
    return i;
  }

  private StepView childStep(TestWorkflowEnvironment env, String op, String node, String step) {
    NodeRemovalWorkflow child =
        env.getWorkflowClient()
            .newWorkflowStub(NodeRemovalWorkflow.class, NodeRemovalRequest.workflowId(op, node));
    return child.steps().stream().filter(s -> s.id().equals(step)).findFirst().orElseThrow();
  }

  @Test
  void removesAWorkerThenTheEtcdLeaderMovingLeadershipFirstAndLeavesNoTrace(
      TestWorkflowEnvironment env, Worker worker) {
    assertEquals("a1", fleet.leaderId, "node1 leads before");
    RemovalWorkflow wf = start(env, worker, request("r1", plan(false, "node1", "node5"), false));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    r.nodes().forEach(n -> assertEquals("removed", n.outcome(), n.toString()));
    // Leadership moved off node1 before its member was removed: leader id before a1, after a2.
    assertEquals(List.of("a1", "a2"), fleet.leaders);
    assertTrue(
        index("node-delete node5") < index("cordon node1"), "the worker first: " + fleet.mutations);
    assertTrue(index("drain node1") < index("move-leader node1"));
    assertTrue(index("move-leader node1") < index("member-remove a1"));
    assertTrue(
        index("member-remove a1") < index("reset node1"),
        "etcd's member goes before reset wipes it");
    assertTrue(
        index("reset node1") < index("node-delete node1"),
        "the kubelet is stopped before the Node goes");
    assertTrue(index("node-delete node1") < index("route-drop node2 node1"));
    assertTrue(index("pod-network-clean node1") < index("token-delete node1"));
    assertFalse(fleet.members.containsKey("a1"));
    assertEquals(List.of("a2", "a3", "a4"), List.copyOf(fleet.members.keySet()));
    assertFalse(fleet.nodes.containsKey("node1") || fleet.nodes.containsKey("node5"));
    for (String stays : List.of("node2", "node3", "node4", "node6")) {
      assertTrue(
          fleet.routes.get(stays).stream()
              .noneMatch(x -> x.endsWith("via 10.0.0.11") || x.endsWith("via 10.0.0.15")),
          stays + " still routes to a removed node: " + fleet.routes.get(stays));
    }
    assertTrue(fleet.routes.get("node1").isEmpty());
    // Stacked etcd: every apiserver names its own member (127.0.0.1), so no manifest changed.
    StepView servers = childStep(env, "cluster/prod/remove/r1", "node1", "etcd-servers/node2");
    assertEquals(StepState.ALREADY_SATISFIED, servers.state());
    StepView leader = childStep(env, "cluster/prod/remove/r1", "node1", "etcd-leader");
    assertEquals("leader a1 -> a2", leader.summary());
    assertEquals(OperationState.DONE, wf.progress().state());
    assertEquals(2, wf.progress().removal().nodes().size());
    HistoryFixtures.record(env, "cluster/prod/remove/r1", "removal-happy");
    HistoryFixtures.record(
        env,
        NodeRemovalRequest.workflowId("cluster/prod/remove/r1", "node1"),
        "node-removal-leader");

    // The same plan run again (a re-submission with a new id) finds every step done.
    int before = fleet.mutations.size();
    RemovalWorkflow again =
        env.getWorkflowClient()
            .newWorkflowStub(
                RemovalWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId("cluster/prod/remove/r2")
                    .build());
    RemovalPlan stale = wf.progress().removal();
    WorkflowClient.start(again::remove, request("r2", stale, false));
    ExpansionResult r2 = result(again);
    assertEquals(OperationOutcome.COMPLETED, r2.outcome(), r2.message());
    r2.nodes().forEach(n -> assertEquals("already-removed", n.outcome(), n.toString()));
    assertEquals(
        before,
        fleet.mutations.size(),
        "a re-run changes nothing: " + fleet.mutations.subList(before, fleet.mutations.size()));
  }

  @Test
  void aLostAnswerDuringMemberRemovalAndDuringDrainIsFoundDoneOnTheRetryNothingTwice(
      TestWorkflowEnvironment env, Worker worker) {
    fleet.failAfter.put("member-remove a4", 1);
    fleet.failAfter.put("drain node4", 1);
    RemovalWorkflow wf = start(env, worker, request("r3", plan(false, "node4"), false));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(
        1,
        fleet.mutations.stream().filter("member-remove a4"::equals).count(),
        fleet.mutations.toString());
    assertEquals(
        1,
        fleet.mutations.stream().filter("drain node4"::equals).count(),
        fleet.mutations.toString());
    StepView member = childStep(env, "cluster/prod/remove/r3", "node4", "etcd-member");
    assertEquals(StepState.ALREADY_SATISFIED, member.state(), member.toString());
    assertEquals(
        List.of("failed", "already-satisfied"),
        member.attemptHistory().stream().map(StepAttempt::outcome).toList());
    StepView drain = childStep(env, "cluster/prod/remove/r3", "node4", "drain");
    assertEquals(
        List.of("failed", "already-satisfied"),
        drain.attemptHistory().stream().map(StepAttempt::outcome).toList());
    assertEquals(List.of("a1"), fleet.leaders, "node4 did not lead: leadership stayed");
  }

  @Test
  void aQuorumThatWentBadSinceThePlanParksThePrecheckAndChangesNothing(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    RemovalPlan p = plan(false, "node4");
    fleet.members.get("a2").healthy = false;
    RemovalWorkflow wf = start(env, worker, request("r4", p, false));
    await("the pre-check parks", () -> wf.progress().state() == OperationState.NEEDS_ATTENTION);
    StepView pre =
        wf.steps().stream().filter(s -> s.id().equals("precheck/etcd")).findFirst().orElseThrow();
    assertEquals("RemovalLosesQuorum", pre.errorType());
    assertTrue(
        pre.error().contains("etcd 4 -> 3 voters without node4")
            && pre.error().contains("(refused)"),
        pre.error());
    assertEquals(List.of(), fleet.mutations);
    wf.decide(new OperatorRequest(null, Decision.ABORT, "otto", "node2 is down"));
    assertEquals(OperationOutcome.ABORTED, result(wf).outcome());
    assertEquals(List.of(), fleet.mutations);
  }

  @Test
  void orphansAreRemovedOnlyAfterAnOperatorApproves(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    FakeRemovalFleet.Member learner =
        new FakeRemovalFleet.Member("c1", "", "https://10.0.0.30:2380");
    learner.learner = true;
    fleet.members.put("c1", learner);
    RemovalWorkflow wf = start(env, worker, request("r5", plan(true, "node6"), false));
    await(
        "the orphans' gate waits", () -> wf.progress().state() == OperationState.WAITING_APPROVAL);
    StepView orphans =
        wf.steps().stream().filter(s -> s.id().equals("orphans")).findFirst().orElseThrow();
    assertTrue(
        orphans.outputTail().contains("learner c1")
            && orphans.outputTail().contains("remove etcd member c1 by id"),
        orphans.outputTail());
    assertTrue(fleet.members.containsKey("c1"), "not removed before the approval");
    assertEquals(List.of(), fleet.mutations);
    wf.decide(
        new OperatorRequest(
            "approve/orphans", Decision.APPROVE, "otto", "left by the crashed join"));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertFalse(fleet.members.containsKey("c1"));
    assertTrue(index("member-remove c1") < index("cordon node6"));
  }

  /**
   * {@code graft remove --clean-orphans} without a node: the orphans go after the approval, nothing
   * else.
   */
  @Test
  void anOrphansOnlyRemovalRemovesTheOrphansAfterApprovalAndTouchesNoNode(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    assertTrue(
        RemovalPlanner.plan(fleet.input(cluster, List.of(), false)).refusals().stream()
            .anyMatch(m -> m.code().equals("RemoveNothing")),
        "no node and no orphans asked for: nothing to do");
    FakeRemovalFleet.Member learner =
        new FakeRemovalFleet.Member("c1", "", "https://10.0.0.30:2380");
    learner.learner = true;
    fleet.members.put("c1", learner);
    RemovalWorkflow wf = start(env, worker, request("r9", plan(true), false));
    await(
        "the orphans' gate waits", () -> wf.progress().state() == OperationState.WAITING_APPROVAL);
    assertEquals(List.of(), fleet.mutations);
    wf.decide(
        new OperatorRequest(
            "approve/orphans", Decision.APPROVE, "otto", "left by the crashed join"));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(List.of("member-remove c1"), fleet.mutations);
    assertTrue(
        r.message().contains("no node to remove") && r.message().contains("orphans found: 1"),
        r.message());
  }

  @Test
  void
      aRemovalAcceptedWithoutFaultToleranceWaitsForAnApprovalAfterTheLeaderMovedBeforeTheMemberGoes(
          TestWorkflowEnvironment env, Worker worker) throws Exception {
    RemovalInput strict = fleet.input(cluster, List.of("node1", "node2"), false);
    assertTrue(RemovalPlanner.plan(strict).refused(), "4 -> 2 healthy voters is refused strictly");
    RemovalPlan p =
        RemovalPlanner.plan(
            new RemovalInput(
                cluster,
                strict.remove(),
                false,
                strict.nodes(),
                strict.ready(),
                strict.members(),
                strict.leaderId(),
                strict.drainTimeout(),
                false,
                true));
    assertFalse(p.refused(), p.refusals().toString());
    assertFalse(p.overridden("a1"), "4 -> 3 needs no override");
    assertTrue(p.overridden("a2"), "3 -> 2 does");
    RemovalWorkflow wf = start(env, worker, request("r6", p, false));
    String op = "cluster/prod/remove/r6";
    await(
        "node2's member removal waits for an approval",
        () -> {
          try {
            return childStep(env, op, "node2", "approve/etcd-member").state()
                == StepState.NEEDS_ATTENTION;
          } catch (RuntimeException notYet) {
            return false;
          }
        });
    assertFalse(fleet.members.containsKey("a1"), "node1's member went without a gate (4 -> 3)");
    assertTrue(fleet.members.containsKey("a2"), "node2's member waits");
    assertTrue(
        fleet.mutations.contains("drain node2"), "drained before the gate: " + fleet.mutations);
    assertFalse(fleet.mutations.contains("member-remove a2"), fleet.mutations.toString());
    await(
        "the operation shows it",
        () ->
            wf.progress().state() == OperationState.NEEDS_ATTENTION
                || wf.progress().state() == OperationState.WAITING_APPROVAL);
    NodeRemovalWorkflow child =
        env.getWorkflowClient()
            .newWorkflowStub(NodeRemovalWorkflow.class, NodeRemovalRequest.workflowId(op, "node2"));
    child.decide(
        new OperatorRequest(
            "approve/etcd-member", Decision.APPROVE, "otto", "replacement hardware is late"));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(List.of("a3", "a4"), List.copyOf(fleet.members.keySet()));
    assertEquals("approved by otto", childStep(env, op, "node2", "approve/etcd-member").summary());
    assertFalse(
        fleet.leaders.contains("a2"),
        "leadership never went to node2, which the operation removes too: " + fleet.leaders);
    HistoryFixtures.record(
        env, NodeRemovalRequest.workflowId(op, "node2"), "node-removal-approved-member");
  }

  /** cluster(4, 2) and node7, a control plane of the inventory that is not in the cluster. */
  private ClusterSpec withSpare() {
    List<dev.graft.workflows.model.NodeSpec> nodes = new java.util.ArrayList<>(cluster.nodes());
    nodes.add(
        new dev.graft.workflows.model.NodeSpec(
            "node7",
            "10.0.0.17",
            null,
            List.of(
                dev.graft.workflows.model.Role.CONTROL_PLANE, dev.graft.workflows.model.Role.ETCD),
            null,
            null,
            null,
            null));
    return cluster.withNodes(nodes);
  }

  /** What the server plans for a replacement of node4 by node7 (see RemoveRequests.replacement). */
  private OperationRequest replacement(String id, boolean addFirst) {
    ClusterSpec c = withSpare();
    RemovalInput in = fleet.input(addFirst ? c : cluster, List.of("node4"), false);
    List<dev.graft.workflows.plan.EtcdMember> members = new java.util.ArrayList<>(in.members());
    if (addFirst) {
      members.add(
          new dev.graft.workflows.plan.EtcdMember(
              "node7", "new-node7", "https://10.0.0.17:2380", true, false));
    }
    RemovalPlan p =
        RemovalPlanner.plan(
                new RemovalInput(
                    in.cluster(),
                    in.remove(),
                    !addFirst,
                    in.nodes(),
                    in.ready(),
                    members,
                    in.leaderId(),
                    in.drainTimeout(),
                    false,
                    false))
            .replacedBy("node7", addFirst, List.of(), List.of());
    assertFalse(p.refused(), p.refusals().toString());
    List<String> existing =
        fleet.nodes.keySet().stream().filter(n -> addFirst || !n.equals("node4")).sorted().toList();
    dev.graft.workflows.plan.ExpansionPlan add =
        new dev.graft.workflows.plan.ExpansionPlan(
            "prod",
            existing,
            List.of(
                new dev.graft.workflows.plan.NodeAddition(
                    "node7",
                    "10.0.0.17",
                    List.of(
                        dev.graft.workflows.model.Role.CONTROL_PLANE,
                        dev.graft.workflows.model.Role.ETCD),
                    "10.244.7.0/24",
                    true)),
            List.of(),
            4,
            addFirst ? 5 : 4,
            null,
            null,
            null);
    return new OperationRequest(
        "remove",
        id,
        "otto",
        c,
        add,
        new ExpansionOptions(false, false, 0, false, null, POLICY),
        null,
        p);
  }

  @Test
  void aReplacementOfAHealthyControlPlaneAddsTheNewOneFirstThroughTheExpansionThenRemovesTheOld(
      TestWorkflowEnvironment env, Worker worker) {
    FakeAddWorkflow.fleet = fleet;
    FakeAddWorkflow.REQUESTS.clear();
    RemovalWorkflow wf = start(env, worker, replacement("r7", true));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertTrue(r.message().startsWith("replaced by node7 (added first)"), r.message());
    assertEquals(
        "add node7 (4 members before)",
        fleet.mutations.get(0),
        "the add is the first change: " + fleet.mutations);
    assertTrue(index("add node7 (4 members before)") < index("cordon node4"));
    OperationRequest added = FakeAddWorkflow.REQUESTS.get(0);
    assertEquals("cluster/prod/remove/r7/add", added.operationId());
    assertEquals("cluster/prod/remove/r7/add", wf.progress().children().get("add/node7"));
    assertEquals(
        List.of("node1", "node2", "node3", "node4", "node5", "node6", "node7"),
        added.cluster().nodes().stream().map(n -> n.name()).toList(),
        "the cluster's nodes and the new one");
    assertTrue(added.cluster().overrides().allowEvenEtcd(), "the transient even count is accepted");
    assertFalse(fleet.members.containsKey("a4"));
    assertTrue(fleet.members.containsKey("a7"));
    assertTrue(
        fleet.routes.get("node7").stream().noneMatch(x -> x.endsWith("via 10.0.0.14")),
        "node7's route to node4 went with it: " + fleet.routes.get("node7"));
    HistoryFixtures.record(env, "cluster/prod/remove/r7", "removal-replace-add-first");
  }

  @Test
  void aReplacementOfADeadControlPlaneRemovesItFirstThenAddsTheNewOneToTheMembersThatStay(
      TestWorkflowEnvironment env, Worker worker) {
    FakeAddWorkflow.fleet = fleet;
    FakeAddWorkflow.REQUESTS.clear();
    fleet.members.get("a4").healthy = false;
    RemovalWorkflow wf = start(env, worker, replacement("r8", false));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertTrue(
        index("member-remove a4") < index("add node7 (3 members before)"),
        fleet.mutations.toString());
    assertFalse(fleet.mutations.contains("reset node4"), "unreachable: no reset");
    OperationRequest added = FakeAddWorkflow.REQUESTS.get(0);
    assertEquals(
        List.of("node1", "node2", "node3", "node5", "node6", "node7"),
        added.cluster().nodes().stream().map(n -> n.name()).toList(),
        "the nodes that stay and the new one");
    assertFalse(added.cluster().overrides() != null && added.cluster().overrides().allowEvenEtcd());
    assertEquals(List.of("a1", "a2", "a3", "a7"), List.copyOf(fleet.members.keySet()));
  }
}
