package dev.graft.workflows.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.HistoryFixtures;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorRequest;
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
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** EtcdGrowthWorkflow in the Temporal test environment against a stateful fake etcd and hosts. */
class EtcdGrowthWorkflowTest {
  static final String CLUSTER = "prod";
  static final NodeSpec N1 = node("k8s-node1", "10.0.0.11", Role.CONTROL_PLANE);
  static final NodeSpec N2 = node("etcd-2", "10.0.0.12", Role.ETCD);
  static final NodeSpec N3 = node("etcd-3", "10.0.0.13", Role.ETCD);
  static final NodeSpec N4 = node("etcd-4", "10.0.0.14", Role.ETCD);
  static final NodeSpec N5 = node("etcd-5", "10.0.0.15", Role.ETCD);
  static final EtcdSpec EXTERNAL =
      new EtcdSpec(
          EtcdTopology.EXTERNAL,
          List.of("https://10.0.0.11:2379"),
          "/etc/graft/etcd/ca.crt",
          "/etc/graft/etcd/client.crt",
          "/etc/graft/etcd/client.key");

  private final FakeEtcd fake = new FakeEtcd();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(EtcdGrowthWorkflowImpl.class)
          .setActivityImplementations(fake)
          .setDoNotStart(true)
          .build();

  static NodeSpec node(String name, String ip, Role role) {
    return new NodeSpec(name, ip, null, List.of(role), null, null, null, null);
  }

  @BeforeEach
  void existingMember() {
    fake.voter("k8s-node1", "10.0.0.11");
  }

  static EtcdGrowthRequest request(EtcdSpec etcd, List<NodeSpec> members, EtcdPolicy policy) {
    return new EtcdGrowthRequest(
        CLUSTER, etcd, members, EtcdCaRef.kubeadm(N1), List.of(N1), policy);
  }

  static EtcdPolicy policy() {
    return new EtcdPolicy(3, Duration.ofMinutes(2), 100, Duration.ofSeconds(30), 3, false, null);
  }

  static EtcdGrowthWorkflow stub(WorkflowClient client, String taskQueue) {
    return client.newWorkflowStub(
        EtcdGrowthWorkflow.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(taskQueue)
            .setWorkflowId(EtcdGrowthWorkflow.workflowId(CLUSTER))
            .build());
  }

  static EtcdGrowthResult result(EtcdGrowthWorkflow wf) {
    return WorkflowStub.fromTyped(wf).getResult(EtcdGrowthResult.class);
  }

  static StepView step(List<StepView> steps, String id) {
    return steps.stream()
        .filter(s -> s.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + id));
  }

  /**
   * Waits for a step's state, skipping workflow time (durable timers, retry back-off) meanwhile.
   */
  static void awaitState(
      TestWorkflowEnvironment env, EtcdGrowthWorkflow wf, String id, StepState state)
      throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      if (step(wf.steps(), id).state() == state) {
        return;
      }
      env.sleep(Duration.ofSeconds(2));
      Thread.sleep(10);
    }
    throw new AssertionError(id + " never reached " + state + ": " + step(wf.steps(), id));
  }

  @Test
  void growsOneToThreeOneMemberAtATimeInstallingBeforeAddingAndPointsTheApiserversAtAllThree(
      TestWorkflowEnvironment env, Worker worker) {
    env.start();
    EtcdGrowthResult r =
        stub(env.getWorkflowClient(), worker.getTaskQueue())
            .grow(request(EXTERNAL, List.of(N2, N3), policy()));
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(List.of("etcd-2", "etcd-3"), r.added());
    assertEquals(List.of("k8s-node1", "etcd-2", "etcd-3"), fake.voterNames());
    String m2 = fake.byName("etcd-2").id;
    String m3 = fake.byName("etcd-3").id;
    assertEquals(
        List.of(
            "certs etcd-2",
            "install etcd-2",
            "add etcd-2",
            "start etcd-2",
            "promote etcd-2 " + m2,
            "certs etcd-3",
            "install etcd-3",
            "add etcd-3",
            "start etcd-3",
            "promote etcd-3 " + m3,
            "apiservers https://10.0.0.11:2379,https://10.0.0.12:2379,https://10.0.0.13:2379"),
        fake.mutations);
    for (StepView s : r.steps()) {
      assertTrue(
          s.state() == StepState.SUCCEEDED || s.state() == StepState.ALREADY_SATISFIED,
          s.toString());
    }
    assertTrue(
        step(r.steps(), "gate/etcd-2")
            .summary()
            .contains("accepted because the cluster has one member and grows to 3"),
        step(r.steps(), "gate/etcd-2").summary());
    assertEquals(StepState.ALREADY_SATISFIED, step(r.steps(), "repair/etcd-2").state());
    HistoryFixtures.record(env, EtcdGrowthWorkflow.workflowId(CLUSTER), "etcd-growth-happy");
  }

  @Test
  void aLearnerThatDoesNotCatchUpIsRolledBackAndTheClusterKeepsItsPreviousMembership(
      TestWorkflowEnvironment env, Worker worker) {
    fake.neverCatchUp.add("etcd-2");
    env.start();
    EtcdGrowthResult r =
        stub(env.getWorkflowClient(), worker.getTaskQueue())
            .grow(request(EXTERNAL, List.of(N2, N3), policy()));
    assertEquals(OperationOutcome.FAILED, r.outcome());
    assertEquals(List.of("etcd-2"), r.rolledBack());
    assertTrue(r.message().contains("etcd-2 did not start or catch up within PT2M"), r.message());
    assertTrue(r.message().contains("rolled back"), r.message());
    assertEquals(List.of("k8s-node1"), fake.voterNames());
    assertEquals(1, fake.members.size(), "no learner left");
    assertEquals(
        List.of(
            "certs etcd-2",
            "install etcd-2",
            "add etcd-2",
            "start etcd-2",
            "remove etcd-2",
            "clean etcd-2"),
        fake.mutations,
        "the member is removed first, then its host cleaned; etcd-3 is never touched");
    assertEquals(StepState.FAILED, step(r.steps(), "catch-up/etcd-2").state());
    assertEquals(StepState.SUCCEEDED, step(r.steps(), "undo-add/etcd-2").state());
    assertEquals(StepState.SUCCEEDED, step(r.steps(), "undo-install/etcd-2").state());
    assertEquals(StepState.PENDING, step(r.steps(), "promote/etcd-2").state());
    assertEquals(StepState.PENDING, step(r.steps(), "gate/etcd-3").state());
    assertEquals(
        StepState.ALREADY_SATISFIED, step(r.steps(), "apiservers").state(), "membership unchanged");
    HistoryFixtures.record(env, EtcdGrowthWorkflow.workflowId(CLUSTER), "etcd-growth-rollback");
  }

  @Test
  void anAddWhoseAnswerWasLostIsRetriedFindsTheSameMemberAndNeverAddsASecond(
      TestWorkflowEnvironment env, Worker worker) {
    fake.loseAddResponses.set(1);
    env.start();
    EtcdGrowthResult r =
        stub(env.getWorkflowClient(), worker.getTaskQueue())
            .grow(request(EXTERNAL, List.of(N2, N3), policy()));
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(2, fake.etcdAdds.get(), "one add per new member");
    assertEquals(3, fake.members.size());
    StepView add = step(r.steps(), "add/etcd-2");
    assertEquals(
        StepState.ALREADY_SATISFIED,
        add.state(),
        "the retry found the member the lost call had added");
    assertEquals(2, add.attempts());
  }

  /**
   * A worker that dies between add and promote: its start call never answers (no heartbeat, no
   * result), so Temporal times the attempt out and hands the step to a worker again. The workflow
   * cache is off in this environment's worker (setWorkflowCacheSize(0)), so every workflow task
   * after the add rebuilds the workflow from its history, as a freshly started worker does. The
   * resumed workflow promotes the member the add created and never adds a second one.
   *
   * <p>(Two WorkerFactory instances in turn do not work here: the Java test server hands the next
   * task to the dead worker's cancelled long poll and the workflow stalls; a real server does not.)
   */
  @Test
  @org.junit.jupiter.api.Timeout(120)
  void aWorkerThatDiesBetweenAddAndPromoteIsReplacedAndTheSameMemberIsPromoted() throws Exception {
    TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            io.temporal.testing.TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    io.temporal.worker.WorkerFactoryOptions.newBuilder()
                        .setWorkflowCacheSize(0)
                        .build())
                .build());
    try {
      Worker w = env.newWorker("replaying");
      w.registerWorkflowImplementationTypes(EtcdGrowthWorkflowImpl.class);
      w.registerActivitiesImplementations(fake);
      fake.blockStartOf = "etcd-2";
      fake.startLatch = new CountDownLatch(1);
      fake.blockOnce = true;
      env.start();
      EtcdGrowthWorkflow wf = stub(env.getWorkflowClient(), "replaying");
      WorkflowClient.start(wf::grow, request(EXTERNAL, List.of(N2, N3), policy()));
      EtcdGrowthResult r = result(wf);
      FakeEtcd.Member learner = fake.members.get("https://10.0.0.12:2380");
      assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
      assertEquals(2, fake.etcdAdds.get(), "etcd-2 was never added a second time");
      assertTrue(
          fake.mutations.contains("promote etcd-2 " + learner.id), fake.mutations.toString());
      assertEquals(List.of("k8s-node1", "etcd-2", "etcd-3"), fake.voterNames());
      assertEquals(
          2, step(r.steps(), "start/etcd-2").attempts(), "the dead attempt, then the resumed one");
    } finally {
      fake.startLatch.countDown();
      env.close();
    }
  }

  @Test
  void aSecondMembershipChangeOfTheSameClusterIsRefusedWhileTheFirstRuns(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fake.blockStartOf = "etcd-2";
    fake.startLatch = new CountDownLatch(1);
    env.start();
    EtcdGrowthWorkflow first = stub(env.getWorkflowClient(), worker.getTaskQueue());
    WorkflowClient.start(first::grow, request(EXTERNAL, List.of(N2, N3), policy()));
    awaitState(env, first, "start/etcd-2", StepState.RUNNING);
    EtcdGrowthWorkflow second = stub(env.getWorkflowClient(), worker.getTaskQueue());
    WorkflowExecutionAlreadyStarted refused =
        assertThrows(
            WorkflowExecutionAlreadyStarted.class,
            () -> WorkflowClient.start(second::grow, request(EXTERNAL, List.of(N4, N5), policy())));
    assertEquals("cluster/prod/etcd-membership", refused.getExecution().getWorkflowId());
    fake.startLatch.countDown();
    assertEquals(OperationOutcome.COMPLETED, result(first).outcome());
    assertEquals(2, fake.etcdAdds.get(), "only the first request changed the membership");
    assertTrue(fake.hosts.get("etcd-4") == null, "the refused request touched no host");

    // Once the first has ended the id is free; the same request again finds everything done.
    int mutations = fake.mutations.size();
    EtcdGrowthResult again =
        stub(env.getWorkflowClient(), worker.getTaskQueue())
            .grow(request(EXTERNAL, List.of(N2, N3), policy()));
    assertEquals(OperationOutcome.COMPLETED, again.outcome());
    assertEquals(StepState.ALREADY_SATISFIED, step(again.steps(), "gate/etcd-3").state());
    assertEquals(StepState.ALREADY_SATISFIED, step(again.steps(), "add/etcd-3").state());
    assertEquals(StepState.ALREADY_SATISFIED, step(again.steps(), "apiservers").state());
    assertEquals(mutations, fake.mutations.size(), "a re-run changes nothing");
  }

  @Test
  void aGateThatKeepsRefusingWaitsOnATimerThenParksNamingTheUnhealthyMemberAndChangesNothing(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fake.voter("etcd-2", "10.0.0.12");
    fake.voter("etcd-3", "10.0.0.13").healthy = false;
    env.start();
    EtcdGrowthWorkflow wf = stub(env.getWorkflowClient(), worker.getTaskQueue());
    long t0 = env.currentTimeMillis();
    WorkflowClient.start(wf::grow, request(EXTERNAL, List.of(N4, N5), policy()));
    awaitState(env, wf, "gate/etcd-4", StepState.NEEDS_ATTENTION);
    StepView gate = step(wf.steps(), "gate/etcd-4");
    assertTrue(
        gate.error().contains("member etcd-3 (https://10.0.0.13:2380) is unhealthy"), gate.error());
    assertEquals("QuorumGateRefused", gate.errorType());
    assertEquals(3, gate.attempts(), "three checks: two durable waits, then needs-attention");
    assertTrue(
        env.currentTimeMillis() - t0 >= Duration.ofSeconds(60).toMillis(),
        "two 30 s timers passed");
    assertTrue(fake.mutations.isEmpty(), "nothing changed: " + fake.mutations);

    fake.byName("etcd-3").healthy = true;
    wf.decide(new OperatorRequest("gate/etcd-4", Decision.RETRY, "alice", "etcd-3 restarted"));
    EtcdGrowthResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(List.of("k8s-node1", "etcd-2", "etcd-3", "etcd-4", "etcd-5"), fake.voterNames());
    assertEquals("alice", step(r.steps(), "gate/etcd-4").actions().get(0).actor());
  }

  @Test
  void anAbortWhilePromoteWaitsForAnOperatorRemovesTheLearnerAndCleansItsHost(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fake.failPromotes.set(1000);
    env.start();
    EtcdGrowthWorkflow wf = stub(env.getWorkflowClient(), worker.getTaskQueue());
    WorkflowClient.start(wf::grow, request(EXTERNAL, List.of(N2, N3), policy()));
    awaitState(env, wf, "promote/etcd-2", StepState.NEEDS_ATTENTION);
    assertEquals("EtcdLearnerNotInSync", step(wf.steps(), "promote/etcd-2").errorType());
    wf.decide(new OperatorRequest(null, Decision.ABORT, "bob", "give up"));
    EtcdGrowthResult r = result(wf);
    assertEquals(OperationOutcome.ABORTED, r.outcome());
    assertEquals(List.of("k8s-node1"), fake.voterNames());
    assertEquals(1, fake.members.size());
    assertEquals(List.of("remove etcd-2", "clean etcd-2"), fake.mutations.subList(4, 6));
  }

  @Test
  void aLearnerLeftByAnEarlierAttemptIsRemovedBeforeTheGate(
      TestWorkflowEnvironment env, Worker worker) {
    FakeEtcd.Member left = fake.voter("", "10.0.0.12");
    left.learner = true;
    left.started = false;
    env.start();
    EtcdGrowthResult r =
        stub(env.getWorkflowClient(), worker.getTaskQueue())
            .grow(request(EXTERNAL, List.of(N2, N3), policy()));
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(StepState.SUCCEEDED, step(r.steps(), "repair/etcd-2").state());
    assertEquals("remove stale https://10.0.0.12:2380", fake.mutations.get(0));
    assertEquals(List.of("k8s-node1", "etcd-2", "etcd-3"), fake.voterNames());
  }

  @Test
  void stackedAHealthyVoterIsVerifiedAndALearnerKubeadmLeftIsRemoved(
      TestWorkflowEnvironment env, Worker worker) {
    fake.voter("k8s-node2", "10.0.0.12");
    FakeEtcd.Member stuck = fake.voter("k8s-node3", "10.0.0.13");
    stuck.learner = true;
    EtcdSpec stacked =
        new EtcdSpec(
            EtcdTopology.STACKED,
            EXTERNAL.endpoints(),
            EXTERNAL.caCert(),
            EXTERNAL.clientCert(),
            EXTERNAL.clientKey());
    EtcdPolicy quick =
        new EtcdPolicy(3, Duration.ofSeconds(20), 100, Duration.ofSeconds(30), 3, false, null);
    env.start();
    EtcdGrowthResult r =
        stub(env.getWorkflowClient(), worker.getTaskQueue())
            .grow(
                request(
                    stacked,
                    List.of(
                        node("k8s-node2", "10.0.0.12", Role.CONTROL_PLANE),
                        node("k8s-node3", "10.0.0.13", Role.CONTROL_PLANE)),
                    quick));
    assertEquals(OperationOutcome.FAILED, r.outcome());
    assertEquals(StepState.SUCCEEDED, step(r.steps(), "verify-voter/k8s-node2").state());
    assertEquals(StepState.FAILED, step(r.steps(), "verify-voter/k8s-node3").state());
    assertEquals(StepState.SUCCEEDED, step(r.steps(), "repair/k8s-node3").state());
    assertTrue(
        r.message().contains("reset the node (kubeadm reset) and join it again"), r.message());
    assertEquals(List.of("k8s-node1", "k8s-node2"), fake.voterNames());
    assertEquals(2, fake.members.size(), "the learner is gone");
  }
}
