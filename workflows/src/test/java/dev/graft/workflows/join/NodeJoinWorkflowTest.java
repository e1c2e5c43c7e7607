package dev.graft.workflows.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.Taint;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.HistoryFixtures;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorRequest;
import dev.graft.workflows.step.StepAttempt;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** NodeJoinWorkflow in the Temporal test environment, against a stateful fake cluster. */
class NodeJoinWorkflowTest {
  private static final String OP = "cluster/prod/expand/r1";
  private static final NodeSpec WORKER =
      new NodeSpec(
          "k8s-node6",
          "10.0.0.16",
          null,
          List.of(Role.WORKER),
          null,
          Map.of("zone", "a"),
          List.of(new Taint("dedicated", "infra", "NoSchedule")),
          null);
  private static final NodeSpec CP =
      new NodeSpec(
          "k8s-node1",
          "10.0.0.11",
          null,
          List.of(Role.CONTROL_PLANE, Role.ETCD),
          null,
          null,
          null,
          null);
  private static final NodeSpec NEW_CP =
      new NodeSpec(
          "k8s-node2",
          "10.0.0.12",
          null,
          List.of(Role.CONTROL_PLANE, Role.ETCD),
          null,
          null,
          null,
          null);

  private final FakeCluster fake = new FakeCluster();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(NodeJoinWorkflowImpl.class)
          .setActivityImplementations(fake)
          .setDoNotStart(true)
          .build();

  private static NodeJoinRequest request(NodeSpec node) {
    return new NodeJoinRequest(
        "prod",
        OP,
        "/etc/graft/prod.conf",
        "10.0.0.11:6443",
        "10.96.0.0/12",
        node,
        CP,
        List.of("k8s-node1"),
        new ExecutionPolicy(3, Duration.ofMinutes(10), "4.20", Duration.ofSeconds(5)));
  }

  private NodeJoinWorkflow start(TestWorkflowEnvironment env, Worker worker, NodeSpec node) {
    env.start();
    NodeJoinWorkflow wf = stub(env, worker, node);
    WorkflowClient.start(wf::join, request(node));
    return wf;
  }

  private static NodeJoinWorkflow stub(TestWorkflowEnvironment env, Worker worker, NodeSpec node) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            NodeJoinWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(worker.getTaskQueue())
                .setWorkflowId(NodeJoinRequest.workflowId(OP, node.name()))
                .build());
  }

  private static NodeJoinResult result(NodeJoinWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(NodeJoinResult.class);
  }

  private static StepView step(List<StepView> steps, String id) {
    return steps.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }

  private static void awaitState(NodeJoinWorkflow wf, String id, StepState state) throws Exception {
    for (int i = 0; i < 400; i++) {
      if (step(wf.steps(), id).state() == state) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError(id + " never reached " + state + ": " + step(wf.steps(), id));
  }

  @Test
  void aWorkerGoesThroughEveryStepInOrder(TestWorkflowEnvironment env, Worker worker) {
    NodeJoinWorkflow wf = start(env, worker, WORKER);
    NodeJoinResult result = result(wf);
    assertEquals(OperationOutcome.COMPLETED, result.outcome());
    assertEquals(
        List.of("reach", "prechecks", "provision", "register", "join", "ready"),
        result.steps().stream().map(StepView::id).toList());
    result.steps().forEach(s -> assertEquals(StepState.SUCCEEDED, s.state(), s.id()));
    assertEquals(
        List.of("provision k8s-node6", "register k8s-node6", "join k8s-node6"), fake.mutations);
    assertEquals(OP + "/node/k8s-node6", WorkflowStub.fromTyped(wf).getExecution().getWorkflowId());
    assertEquals(
        List.of("k8s-node6"), fake.pruned, "a completed join prunes the node's finished runs");
  }

  @Test
  void aControlPlaneNodeJoinsWithTheExistingControlPlaneAsCertificateSource(
      TestWorkflowEnvironment env, Worker worker) {
    assertEquals(OperationOutcome.COMPLETED, result(start(env, worker, NEW_CP)).outcome());
    assertTrue(
        fake.mutations.contains("join k8s-node2 --control-plane"), fake.mutations.toString());
  }

  @Test
  void aStepThatFailsTwiceThenSucceedsIsOneStepWithThreeAttempts(
      TestWorkflowEnvironment env, Worker worker) {
    fake.failNext.put("join", new AtomicInteger(2));
    NodeJoinResult result = result(start(env, worker, WORKER));
    assertEquals(OperationOutcome.COMPLETED, result.outcome());
    StepView join = step(result.steps(), "join");
    assertEquals(3, join.attempts());
    assertEquals(1, fake.mutations.stream().filter(m -> m.startsWith("join")).count());
    // Graft, not Temporal, retried: three calls of one Temporal attempt each, every one recorded.
    assertEquals(
        List.of("join:1", "join:1", "join:1"),
        fake.temporalAttempts.stream().filter(a -> a.startsWith("join:")).toList());
    List<StepAttempt> attempts = join.attemptHistory();
    assertEquals(List.of(1, 2, 3), attempts.stream().map(StepAttempt::number).toList());
    assertEquals(
        List.of("failed", "failed", "succeeded"),
        attempts.stream().map(StepAttempt::outcome).toList());
    assertEquals("join on k8s-node6 failed (injected)", attempts.get(0).error());
    assertEquals("Injected", attempts.get(0).errorType());
    assertTrue(
        attempts.get(0).outputTail().contains("injected failure"), attempts.get(0).outputTail());
    assertEquals("graft", attempts.get(0).retriedBy());
    assertTrue(attempts.get(0).endedAtMillis() >= attempts.get(0).startedAtMillis());
    assertTrue(attempts.get(1).startedAtMillis() >= attempts.get(0).endedAtMillis());
    assertEquals(null, attempts.get(2).retriedBy());
    HistoryFixtures.record(env, OP + "/node/k8s-node6", "node-join-graft-retries");
  }

  @Test
  void aNonRetryableFailureParksAfterOneAttempt(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    fake.failNextAs.put("provision", "InvalidInput");
    fake.failNext.put("provision", new AtomicInteger(1));
    NodeJoinWorkflow wf = start(env, worker, WORKER);
    awaitState(wf, "provision", StepState.NEEDS_ATTENTION);
    StepView parked = step(wf.steps(), "provision");
    assertEquals(1, parked.attempts());
    assertEquals(
        List.of("provision:1"),
        fake.temporalAttempts.stream().filter(a -> a.startsWith("provision:")).toList());
    wf.decide(new OperatorRequest("provision", Decision.RETRY, "alice", "inventory fixed"));
    assertEquals(OperationOutcome.COMPLETED, result(wf).outcome());
  }

  @Test
  void aStepWhoseWorkerWentSilentIsRetriedAtOnceAndSaysSoWithoutUsingUpItsAttempts(
      TestWorkflowEnvironment env, Worker worker) {
    // Two lost workers, then two real failures: with 3 attempts allowed the step still succeeds,
    // since a lost worker is not the step's failure.
    fake.hangNext.put("provision", new AtomicInteger(2));
    fake.failNext.put("provision", new AtomicInteger(2));
    env.start();
    NodeJoinWorkflow wf = stub(env, worker, WORKER);
    NodeJoinRequest r = request(WORKER);
    WorkflowClient.start(
        wf::join,
        new NodeJoinRequest(
            r.cluster(),
            r.operationId(),
            r.kubeconfig(),
            r.apiEndpoint(),
            r.serviceCidr(),
            r.node(),
            r.controlPlane(),
            r.otherHostnames(),
            r.policy().withHeartbeatTimeout(Duration.ofSeconds(1))));
    NodeJoinResult result = result(wf);
    assertEquals(OperationOutcome.COMPLETED, result.outcome());
    List<StepAttempt> attempts = step(result.steps(), "provision").attemptHistory();
    assertEquals(
        List.of("worker-lost", "worker-lost", "failed", "failed", "succeeded"),
        attempts.stream().map(StepAttempt::outcome).toList());
    assertTrue(attempts.get(0).error().contains("no heartbeat"), attempts.get(0).error());
    assertEquals("graft", attempts.get(0).retriedBy());
  }

  @Test
  void exhaustionParksInNeedsAttentionThenRetrySucceeds(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    fake.failNext.put("register", new AtomicInteger(3));
    NodeJoinWorkflow wf = start(env, worker, WORKER);
    awaitState(wf, "register", StepState.NEEDS_ATTENTION);
    StepView parked = step(wf.steps(), "register");
    assertTrue(parked.error().contains("register on k8s-node6 failed"), parked.error());
    assertTrue(parked.outputTail().contains("injected failure"), parked.outputTail());
    assertEquals(StepState.PENDING, step(wf.steps(), "join").state());
    wf.decide(new OperatorRequest("register", Decision.RETRY, "alice", "API back"));
    NodeJoinResult result = result(wf);
    assertEquals(OperationOutcome.COMPLETED, result.outcome());
    StepView register = step(result.steps(), "register");
    assertEquals("alice", register.actions().get(0).actor());
    // Three automatic attempts, then the operator's: all four kept, oldest first.
    assertEquals(
        List.of("failed", "failed", "failed", "succeeded"),
        register.attemptHistory().stream().map(StepAttempt::outcome).toList());
    assertEquals(
        List.of("graft", "graft", "alice"),
        register.attemptHistory().subList(0, 3).stream().map(StepAttempt::retriedBy).toList());
  }

  @Test
  void abortRunsTheCompensationsInReverseOrder(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    fake.failNext.put("ready", new AtomicInteger(100));
    NodeJoinWorkflow wf = start(env, worker, WORKER);
    awaitState(wf, "ready", StepState.NEEDS_ATTENTION);
    assertThrows(
        Exception.class,
        () -> wf.decide(new OperatorRequest("ready", Decision.SKIP, "bob", null)),
        "ready is not skippable");
    wf.decide(new OperatorRequest(null, Decision.ABORT, "bob", "wrong host"));
    NodeJoinResult result = result(wf);
    assertEquals(OperationOutcome.ABORTED, result.outcome());
    assertTrue(
        fake.pruned.isEmpty(), "an aborted join keeps its run directories for the post-mortem");
    assertEquals(
        List.of(
            "provision k8s-node6",
            "register k8s-node6",
            "join k8s-node6",
            "reset k8s-node6",
            "delete k8s-node6"),
        fake.mutations);
    assertEquals(StepState.SUCCEEDED, step(result.steps(), "undo-join").state());
    assertEquals(StepState.SUCCEEDED, step(result.steps(), "undo-register").state());
    HistoryFixtures.record(env, OP + "/node/k8s-node6", "node-join-abort");
  }

  @Test
  void aDuplicateStartWithTheSameIdStartsNothingNew(TestWorkflowEnvironment env, Worker worker) {
    NodeJoinWorkflow first = start(env, worker, WORKER);
    NodeJoinWorkflow second = stub(env, worker, WORKER);
    assertThrows(
        WorkflowExecutionAlreadyStarted.class,
        () -> WorkflowClient.start(second::join, request(WORKER)));
    assertEquals(OperationOutcome.COMPLETED, result(first).outcome());
    assertEquals(1, fake.mutations.stream().filter(m -> m.startsWith("join")).count());
    HistoryFixtures.record(env, OP + "/node/k8s-node6", "node-join-happy");
  }

  @Test
  void aNodeThatAlreadyJoinedReportsAlreadySatisfied(TestWorkflowEnvironment env, Worker worker) {
    fake.provisioned.add("k8s-node6");
    fake.joined.add("k8s-node6");
    fake.ready.add("k8s-node6");
    fake.nodeObjects.put("k8s-node6", Map.of("zone", "a"));
    NodeJoinResult result = result(start(env, worker, WORKER));
    assertEquals(StepState.ALREADY_SATISFIED, step(result.steps(), "provision").state());
    assertEquals(StepState.ALREADY_SATISFIED, step(result.steps(), "register").state());
    assertEquals(StepState.ALREADY_SATISFIED, step(result.steps(), "join").state());
    assertTrue(fake.mutations.isEmpty(), fake.mutations.toString());
  }
}
