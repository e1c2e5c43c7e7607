package dev.graft.activities.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.NodeObjectActivitiesImpl;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.testing.LabWorkbench;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabState;
import dev.graft.workflows.HistoryText;
import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.join.NodeJoinWorkflow;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.model.Taint;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The node-join workflow end to end against the lab: netns hosts with real OpenSSH, a bootstrap
 * cluster (host 1) behind the Kubernetes API stand-in, and the kubeadm/kubelet stand-ins. A worker
 * and a control-plane node join and become Ready with their labels and taints; the histories hold
 * no token, certificate key or private key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeJoinLabTest {
  private static final String OP = "cluster/lab/expand/e2e";
  private LabWorkbench bench;
  private Lab lab;
  private LabState state;
  private KubeClients kube;
  private TestWorkflowEnvironment temporal;

  @BeforeAll
  void up() throws Exception {
    bench = LabWorkbench.up("graft-join-e2e-", 3, null);
    lab = bench.lab();
    state = bench.state();
    kube = bench.kube();
    temporal = bench.temporal();
    NodeShell shell = bench.shell();
    Worker worker = temporal.newWorker("graft");
    worker.registerWorkflowImplementationTypes(NodeJoinWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new HostActivitiesImpl(shell),
        new NodeObjectActivitiesImpl(kube, Duration.ofMillis(500)),
        new KubeadmActivitiesImpl(shell, kube));
    temporal.start();
  }

  @AfterAll
  void down() throws Exception {
    if (bench != null) {
      bench.close();
    }
  }

  private NodeSpec node(
      HostState h, List<Role> roles, Map<String, String> labels, List<Taint> taints) {
    NodeSpec n = bench.node(h, roles);
    return new NodeSpec(n.name(), n.address(), null, roles, n.ssh(), labels, taints, null);
  }

  private NodeJoinResult join(NodeSpec node, NodeSpec controlPlane) {
    NodeJoinWorkflow wf =
        temporal
            .getWorkflowClient()
            .newWorkflowStub(
                NodeJoinWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue("graft")
                    .setWorkflowId(NodeJoinRequest.workflowId(OP, node.name()))
                    .build());
    return wf.join(
        new NodeJoinRequest(
            "lab",
            OP,
            state.kubeconfig(),
            state.apiEndpoint(),
            "10.96.0.0/12",
            node,
            controlPlane,
            state.hosts().stream()
                .map(HostState::name)
                .filter(n -> !n.equals(node.name()))
                .toList(),
            new ExecutionPolicy(3, Duration.ofMinutes(2), "4.20", Duration.ofSeconds(5))));
  }

  @Test
  void aWorkerAndAControlPlaneNodeJoinAndBecomeReadyWithTheirLabelsAndTaints() throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    HostState h3 = state.hosts().get(2);
    NodeSpec cp1 = node(h1, List.of(Role.CONTROL_PLANE, Role.ETCD), null, null);
    NodeSpec worker =
        node(
            h2,
            List.of(Role.WORKER),
            Map.of("topology.kubernetes.io/zone", "a"),
            List.of(new Taint("dedicated", "batch", "NoSchedule")));
    NodeSpec cp2 = node(h3, List.of(Role.CONTROL_PLANE, Role.ETCD), null, null);

    // The worker's link goes down for 25 s while its kubeadm join runs (held 5 s by the lab so
    // the cut lands inside it): the join heals by itself, with no operator and no second join.
    lab.faults().recordInvocations(h2.name(), "kubeadm");
    lab.faults().delayNext(h2.name(), "kubeadm", 1, Duration.ofSeconds(5));
    java.util.concurrent.CompletableFuture<NodeJoinResult> joining =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> join(worker, cp1));
    long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (lab.host(h2.name()).mutations("kubeadm").stream()
        .noneMatch(m -> m.args().startsWith("join "))) {
      assertTrue(System.nanoTime() < until, "kubeadm join never started on " + h2.name());
      Thread.sleep(100);
    }
    lab.faults().cutLink(h2.name());
    try {
      Thread.sleep(25_000);
    } finally {
      lab.faults().restoreLink(h2.name());
    }
    NodeJoinResult w = joining.get(5, java.util.concurrent.TimeUnit.MINUTES);
    assertEquals(OperationOutcome.COMPLETED, w.outcome(), w.steps().toString());
    assertTrue(
        w.steps().stream().allMatch(s -> s.actions().isEmpty()),
        "no operator decision: " + w.steps());
    assertEquals(
        1,
        lab.host(h2.name()).mutations("kubeadm").stream()
            .filter(m -> m.args().startsWith("join "))
            .count(),
        lab.host(h2.name()).mutations("kubeadm").toString());
    NodeJoinResult c = join(cp2, cp1);
    assertEquals(OperationOutcome.COMPLETED, c.outcome(), c.steps().toString());
    for (StepView s : w.steps()) {
      assertTrue(
          s.state() == StepState.SUCCEEDED || s.state() == StepState.ALREADY_SATISFIED,
          s.toString());
    }

    KubernetesClient api = kube.forKubeconfig(state.kubeconfig());
    Node wn = api.nodes().withName(h2.name()).get();
    assertEquals("a", wn.getMetadata().getLabels().get("topology.kubernetes.io/zone"));
    assertTrue(wn.getMetadata().getLabels().containsKey("node-role.kubernetes.io/worker"));
    assertTrue(
        wn.getSpec().getTaints().stream()
            .anyMatch(t -> "dedicated".equals(t.getKey()) && "batch".equals(t.getValue())),
        wn.getSpec().getTaints().toString());
    assertFalse(Boolean.TRUE.equals(wn.getSpec().getUnschedulable()), "uncordoned once Ready");
    assertTrue(
        wn.getStatus().getConditions().stream()
            .anyMatch(k -> "Ready".equals(k.getType()) && "True".equals(k.getStatus())));
    Node cn = api.nodes().withName(h3.name()).get();
    assertTrue(cn.getMetadata().getLabels().containsKey("node-role.kubernetes.io/control-plane"));
    assertTrue(
        cn.getStatus().getConditions().stream()
            .anyMatch(k -> "Ready".equals(k.getType()) && "True".equals(k.getStatus())));

    // No secret in any history: join tokens, certificate keys, private keys.
    Pattern token = Pattern.compile("[a-z0-9]{6}\\.[a-z0-9]{16}");
    Pattern certKey = Pattern.compile("certificate-key[^0-9a-f]{0,8}[0-9a-f]{64}");
    for (String name : List.of(h2.name(), h3.name())) {
      // Payloads are base64 in the history's JSON: search the decoded text, or the scan is blind.
      String history =
          HistoryText.of(
              temporal.getWorkflowClient().fetchHistory(NodeJoinRequest.workflowId(OP, name)));
      assertTrue(
          history.contains("\"name\":\"" + name + "\""),
          "the decoded history should carry the node's input");
      assertFalse(token.matcher(history).find(), "a bootstrap token in the history of " + name);
      assertFalse(certKey.matcher(history).find(), "a certificate key in the history of " + name);
      assertFalse(history.contains("PRIVATE KEY"), "a private key in the history of " + name);
    }

    // Joining again changes nothing: every mutating step reports already satisfied.
    NodeJoinResult again = joinAgain(worker, cp1);
    assertEquals(StepState.ALREADY_SATISFIED, step(again, "join").state());
    assertEquals(StepState.ALREADY_SATISFIED, step(again, "register").state());
    assertEquals(StepState.ALREADY_SATISFIED, step(again, "provision").state());
  }

  @Test
  void aChangedHostKeyStopsTheJoinAtReachAndNothingIsWrittenToTheHost() throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    HostState h3 = state.hosts().get(2);
    for (String command : List.of("kubeadm", "sysctl", "modprobe", "swapoff")) {
      lab.faults().recordInvocations(h3.name(), command);
    }
    int mutationsBefore = lab.host(h3.name()).mutations().size();
    // h3 answers with its own key, but the inventory pins h2's: a reinstalled or impersonated host.
    SshSpec pinned =
        new SshSpec("root", h3.sshPort(), state.clientKey(), false, h2.hostKey(), null);
    NodeSpec impostor =
        new NodeSpec(h3.name(), h3.address(), null, List.of(Role.WORKER), pinned, null, null, null);
    String op = OP + "-hostkey";
    NodeJoinWorkflow wf =
        temporal
            .getWorkflowClient()
            .newWorkflowStub(
                NodeJoinWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue("graft")
                    .setWorkflowId(NodeJoinRequest.workflowId(op, h3.name()))
                    .build());
    io.temporal.client.WorkflowClient.start(
        wf::join,
        new NodeJoinRequest(
            "lab",
            op,
            state.kubeconfig(),
            state.apiEndpoint(),
            "10.96.0.0/12",
            impostor,
            node(h1, List.of(Role.CONTROL_PLANE, Role.ETCD), null, null),
            List.of(),
            new ExecutionPolicy(3, Duration.ofMinutes(2), "4.20", Duration.ofSeconds(5))));
    StepView reach = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (System.nanoTime() < deadline) {
      reach = step(wf.steps(), "reach");
      if (reach.state() == StepState.NEEDS_ATTENTION) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(StepState.NEEDS_ATTENTION, reach.state(), String.valueOf(reach));
    assertEquals(1, reach.attempts(), "a changed host key is not retried: " + reach);
    assertTrue(
        reach.error().contains("SHA256:"),
        "the error names the fingerprint seen: " + reach.error());
    for (StepView later : wf.steps()) {
      if (!later.id().equals("reach")) {
        assertEquals(StepState.PENDING, later.state(), "ran after a failed reach: " + later);
      }
    }
    assertEquals(
        mutationsBefore,
        lab.host(h3.name()).mutations().size(),
        "something was written to the host: " + lab.host(h3.name()).mutations());
    wf.decide(
        new dev.graft.workflows.step.OperatorRequest(
            null, dev.graft.workflows.step.Decision.ABORT, "test", "impostor"));
    NodeJoinResult r =
        io.temporal.client.WorkflowStub.fromTyped(wf).getResult(NodeJoinResult.class);
    assertEquals(OperationOutcome.ABORTED, r.outcome());
  }

  private static StepView step(List<StepView> steps, String id) {
    return steps.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }

  private NodeJoinResult joinAgain(NodeSpec node, NodeSpec controlPlane) {
    NodeJoinWorkflow wf =
        temporal
            .getWorkflowClient()
            .newWorkflowStub(
                NodeJoinWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue("graft")
                    .setWorkflowId(NodeJoinRequest.workflowId(OP + "-again", node.name()))
                    .build());
    return wf.join(
        new NodeJoinRequest(
            "lab",
            OP + "-again",
            state.kubeconfig(),
            state.apiEndpoint(),
            "10.96.0.0/12",
            node,
            controlPlane,
            List.of(),
            new ExecutionPolicy(3, Duration.ofMinutes(2), "4.20", Duration.ofSeconds(5))));
  }

  private static StepView step(NodeJoinResult r, String id) {
    return r.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }
}
