package dev.graft.workflows.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.etcd.EtcdActivities;
import dev.graft.workflows.etcd.HealthResult;
import dev.graft.workflows.expand.ExpansionOptions;
import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.UpgradePlan;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.ExecutionPolicy;
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
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * UpgradeWorkflow with its real node children in the Temporal test environment, against a stateful
 * fake of the nodes and the API: order, resumption of a partial upgrade, a drain blocked by a
 * PodDisruptionBudget, abort.
 */
class UpgradeWorkflowTest {
  private static final ExecutionPolicy POLICY =
      new ExecutionPolicy(2, Duration.ofMinutes(1), "4.20", Duration.ofSeconds(5));
  private final ClusterSpec cluster = UpgradeFixtures.cluster(3, 2);
  private final List<String> names = cluster.nodes().stream().map(NodeSpec::name).toList();
  private final FakeUpgradeFleet fleet =
      new FakeUpgradeFleet(names, names.subList(0, 3), "v1.30.2");

  /** What etcd's health check answers (only read when the cluster names etcd's endpoints). */
  private volatile String etcdProblem;

  private final EtcdActivities etcd =
      (EtcdActivities)
          java.lang.reflect.Proxy.newProxyInstance(
              EtcdActivities.class.getClassLoader(),
              new Class<?>[] {EtcdActivities.class},
              (proxy, method, args) -> {
                if (!method.getName().equals("verifyHealthy")) {
                  throw new UnsupportedOperationException(
                      "an upgrade only checks etcd's health: " + method.getName());
                }
                if (etcdProblem != null) {
                  throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
                      etcdProblem, "EtcdUnhealthyCluster");
                }
                return new HealthResult(false, "3 healthy voters", List.of(), "", 1);
              });

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(
              UpgradeWorkflowImpl.class, NodeUpgradeWorkflowImpl.class)
          .setActivityImplementations(fleet, etcd)
          .setDoNotStart(true)
          .build();

  private OperationRequest request(
      String id, boolean approval, List<UpgradeInput.ObservedVersion> seen) {
    UpgradePlan plan =
        UpgradePlanner.plan(
            new UpgradeInput(cluster, "v1.30.2", seen, "v1.31.0", "1", Duration.ofMinutes(2)));
    return new OperationRequest(
        "upgrade",
        id,
        "otto",
        cluster,
        null,
        new ExpansionOptions(approval, false, 0, false, null, POLICY),
        plan);
  }

  private UpgradeWorkflow start(TestWorkflowEnvironment env, Worker worker, OperationRequest r) {
    env.start();
    UpgradeWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                UpgradeWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId(r.operationId())
                    .build());
    WorkflowClient.start(wf::upgrade, r);
    return wf;
  }

  private static ExpansionResult result(UpgradeWorkflow wf) {
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

  @Test
  void snapshotAndImagesFirstThenControlPlanesOneAtATimeThenWorkersAndEveryNodeEndsAtTheTarget(
      TestWorkflowEnvironment env, Worker worker) {
    UpgradeWorkflow wf =
        start(env, worker, request("u1", false, UpgradeFixtures.observed(cluster, "v1.30.2")));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals("upgraded to v1.31.0 (5 node(s))", r.message());
    r.nodes().forEach(n -> assertEquals("upgraded", n.outcome(), n.toString()));
    // The snapshot and every image pull come before the first package changes.
    int firstChange = index("kubeadm-package node1");
    assertTrue(index("snapshot node1") < firstChange, fleet.mutations.toString());
    for (String n : names) {
      assertTrue(index("images " + n) < firstChange, fleet.mutations.toString());
    }
    // Control planes one at a time, the first applying; each back in service before the next.
    assertTrue(index("upgrade-apply node1") < index("uncordon node1"));
    assertTrue(index("uncordon node1") < index("kubeadm-package node2"));
    assertTrue(index("upgrade-node node2") < index("uncordon node2"));
    assertTrue(index("uncordon node2") < index("kubeadm-package node3"));
    assertTrue(
        index("uncordon node3") < index("kubeadm-package node4"),
        "workers after every control plane");
    // Workers with max-unavailable 1: never two cordoned at once.
    assertTrue(index("uncordon node4") < index("cordon node5"), fleet.mutations.toString());
    // Each node cordoned and drained before its kubelet is replaced (the fake refuses otherwise).
    for (String n : names) {
      assertTrue(index("drain " + n) < index("kubelet-package " + n));
      FakeUpgradeFleet.Node node = fleet.nodes.get(n);
      assertEquals("1.31.0", node.kubelet);
      assertEquals("v1.31.0", node.reported);
      assertTrue(!node.cordoned, n + " left cordoned");
    }
    ExpansionProgress p = wf.progress();
    assertEquals(OperationState.DONE, p.state());
    assertEquals("v1.31.0", p.upgrade().to());
    assertEquals(
        NodeUpgradeRequest.workflowId("cluster/prod/upgrade/u1", "node4"),
        p.children().get("node/node4"));
    HistoryFixtures.record(env, "cluster/prod/upgrade/u1", "upgrade-happy");
    HistoryFixtures.record(
        env,
        NodeUpgradeRequest.workflowId("cluster/prod/upgrade/u1", "node1"),
        "node-upgrade-first");
  }

  @Test
  void aResubmittedUpgradeSkipsTheNodesAlreadyAtTheTarget(
      TestWorkflowEnvironment env, Worker worker) {
    // A first run upgraded the control planes and node4, then stopped (its operation aborted).
    for (String n : List.of("node1", "node2", "node3", "node4")) {
      FakeUpgradeFleet.Node node = fleet.nodes.get(n);
      node.kubeadm = "1.31.0";
      node.kubelet = "1.31.0";
      node.reported = "v1.31.0";
      node.manifest = n.equals("node4") ? null : "v1.31.0";
    }
    fleet.clusterVersion = "v1.31.0";
    List<UpgradeInput.ObservedVersion> seen = new ArrayList<>();
    for (String n : names) {
      seen.add(new UpgradeInput.ObservedVersion(n, fleet.nodes.get(n).reported, true));
    }
    UpgradeWorkflow wf = start(env, worker, request("u2", false, seen));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals(
        List.of(
            "already-upgraded",
            "already-upgraded",
            "already-upgraded",
            "already-upgraded",
            "upgraded"),
        r.nodes().stream().map(ExpansionResult.NodeSummary::outcome).toList());
    List<String> changes =
        fleet.mutations.stream()
            .filter(m -> !m.startsWith("images ") && !m.startsWith("snapshot "))
            .toList();
    assertEquals(
        List.of(
            "kubeadm-package node5",
            "upgrade-node node5",
            "cordon node5",
            "drain node5",
            "kubelet-package node5",
            "uncordon node5"),
        changes);
  }

  @Test
  void aDrainBlockedByABudgetParksTheNodeCordonedAndAnOperatorSkipsTheDrain(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fleet.drainBlocked.add("node4");
    UpgradeWorkflow wf =
        start(env, worker, request("u3", false, UpgradeFixtures.observed(cluster, "v1.30.2")));
    await(
        "the operation needs attention",
        () -> wf.progress().state() == OperationState.NEEDS_ATTENTION);
    String child = wf.progress().children().get("node/node4");
    NodeUpgradeWorkflow node =
        env.getWorkflowClient().newWorkflowStub(NodeUpgradeWorkflow.class, child);
    StepView drain =
        node.steps().stream().filter(s -> s.id().equals("drain")).findFirst().orElseThrow();
    assertEquals(StepState.NEEDS_ATTENTION, drain.state());
    assertEquals(1, drain.attempts(), "a blocked drain parks at once: the operator decides");
    assertTrue(drain.error().contains("PodDisruptionBudget web-pdb"), drain.error());
    assertTrue(fleet.nodes.get("node4").cordoned, "the node stays cordoned while the drain waits");
    node.decide(new OperatorRequest("drain", Decision.SKIP, "otto", "web-1 is fine to lose"));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message());
    assertEquals("v1.31.0", fleet.nodes.get("node4").reported);
  }

  @Test
  void abortDuringABlockedDrainUncordonsAndNeverDowngrades(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fleet.drainBlocked.add("node2");
    UpgradeWorkflow wf =
        start(env, worker, request("u4", false, UpgradeFixtures.observed(cluster, "v1.30.2")));
    await(
        "the operation needs attention",
        () -> wf.progress().state() == OperationState.NEEDS_ATTENTION);
    wf.decide(new OperatorRequest(null, Decision.ABORT, "otto", "change window over"));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.ABORTED, r.outcome(), r.message());
    assertTrue(
        !fleet.nodes.get("node2").cordoned,
        "what Graft cordoned is uncordoned: " + fleet.mutations);
    assertEquals(
        "v1.31.0",
        fleet.nodes.get("node1").reported,
        "node1 stays upgraded: nothing is downgraded");
    assertTrue(
        fleet.mutations.stream().noneMatch(m -> m.equals("kubeadm-package node3")),
        "node3 was not started after the abort: " + fleet.mutations);
    // The abort says where each node it did not finish stands, read from the node after the abort.
    assertTrue(
        r.message().contains("node2: half-upgraded (at v1.31.0: kubeadm 1.31.0"), r.message());
    assertTrue(r.message().contains("not yet: kubelet package 1.30.2"), r.message());
    assertTrue(
        r.message().contains("node3: not upgraded, still at v1.30.2, Ready, schedulable"),
        r.message());
    assertTrue(
        !r.message().contains("node1:"),
        "node1 finished and is not reported again: " + r.message());
  }

  @Test
  void anUnhealthyEtcdIsRefusedBeforeAnyChangeNamingWhatToFix(
      TestWorkflowEnvironment env, Worker worker) {
    etcdProblem =
        "etcd is not healthy: learner node3 (id 8e9e05c52164694d) has not been promoted;"
            + " promote it or remove it (etcdctl member remove 8e9e05c52164694d), then upgrade";
    ClusterSpec withEtcd = UpgradeFixtures.clusterWithEtcd(3, 2);
    UpgradePlan plan =
        UpgradePlanner.plan(
            new UpgradeInput(
                withEtcd,
                "v1.30.2",
                UpgradeFixtures.observed(withEtcd, "v1.30.2"),
                "v1.31.0",
                "1",
                Duration.ofMinutes(2)));
    UpgradeWorkflow wf =
        start(
            env,
            worker,
            new OperationRequest(
                "upgrade",
                "u6",
                "otto",
                withEtcd,
                null,
                new ExpansionOptions(false, false, 0, false, null, POLICY),
                plan));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.FAILED, r.outcome(), r.message());
    assertEquals("pre-checks failed on [etcd]; nothing in the cluster was changed", r.message());
    StepView check =
        wf.steps().stream().filter(s -> s.id().equals("precheck/etcd")).findFirst().orElseThrow();
    assertEquals(StepState.FAILED, check.state(), check.toString());
    assertTrue(
        check.error().contains("learner node3") && check.error().contains("etcdctl member remove"),
        check.error());
    assertEquals(List.of(), fleet.mutations, "no snapshot, no package, no cordon");
    etcdProblem = null;
  }

  @Test
  void failedPrechecksChangeNothing(TestWorkflowEnvironment env, Worker worker) {
    fleet.failNext.put("precheck node5", 100);
    UpgradeWorkflow wf =
        start(env, worker, request("u5", false, UpgradeFixtures.observed(cluster, "v1.30.2")));
    ExpansionResult r = result(wf);
    assertEquals(OperationOutcome.FAILED, r.outcome());
    assertTrue(r.message().contains("pre-checks failed on [node5]"), r.message());
    assertEquals(List.of(), fleet.mutations);
  }
}
