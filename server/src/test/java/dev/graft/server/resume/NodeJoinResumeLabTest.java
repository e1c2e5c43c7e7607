package dev.graft.server.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabHost;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.lab.Mutation;
import dev.graft.server.temporal.EmbeddedTemporal;
import dev.graft.server.temporal.TemporalSettings;
import dev.graft.server.testing.Prereqs;
import dev.graft.server.testing.WorkerProcesses;
import dev.graft.workflows.HistoryText;
import dev.graft.workflows.join.NodeJoinRequest;
import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.join.NodeJoinWorkflow;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The resume test of the node join: the worker is a separate process ({@code graft worker}, as in
 * production), killed with SIGKILL while {@code kubeadm join} runs on a lab host. A new worker
 * process picks the workflow up: the steps that completed do not run again, the join attaches to
 * the run the dead worker started instead of joining twice, and the node ends Ready. Temporal is
 * the embedded server, in this JVM, so it outlives both workers. The lab's hosts are netns hosts
 * with real OpenSSH; the API, kubeadm and kubelet are the lab's stand-ins.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeJoinResumeLabTest {
  private static final String OP = "cluster/lab/expand/resume";

  /** Commands whose every invocation the lab records: the mutating steps of a join. */
  private static final List<String> RECORDED = List.of("kubeadm", "sysctl", "modprobe", "swapoff");

  private Path work;
  private Lab lab;
  private LabState state;
  private EmbeddedTemporal temporal;
  private WorkflowServiceStubs service;
  private WorkflowClient client;
  private WorkerProcesses workers;

  @BeforeAll
  void up() throws Exception {
    Prereqs.requireRoot("lab hosts are network namespaces");
    Prereqs.require("OpenSSH server", Path.of("/usr/sbin/sshd"));
    Prereqs.require("etcd", Path.of("/usr/bin/etcd"));
    work = Files.createTempDirectory("graft-resume-");
    lab =
        Lab.up(
            LabSpec.builder()
                .nodes(2)
                .kind(LabKind.NETNS)
                .stateDir(work.resolve("lab"))
                .bootstrap(true)
                .build());
    state = lab.state();
    TemporalSettings settings = new TemporalSettings();
    temporal = new EmbeddedTemporal("127.0.0.1", 0, settings);
    temporal.start();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
    client = WorkflowClient.newInstance(service);
    workers = new WorkerProcesses(temporal.target(), work);
  }

  @AfterAll
  void down() throws Exception {
    if (workers != null) {
      workers.close();
    }
    if (service != null) {
      service.shutdownNow();
      service.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (temporal != null) {
      temporal.stop();
    }
    if (lab != null) {
      lab.close();
    }
    if (work != null) {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static List<Mutation> joins(LabHost host) {
    return host.mutations("kubeadm").stream().filter(m -> m.args().startsWith("join")).toList();
  }

  @Test
  void aWorkerKilledDuringTheJoinIsReplacedAndTheJoinResumesWithoutRunningAnythingTwice()
      throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    LabHost host = lab.host(h2.name());
    for (String command : RECORDED) {
      lab.faults().recordInvocations(h2.name(), command);
    }
    NodeSpec cp1 = node(h1, List.of(Role.CONTROL_PLANE, Role.ETCD));
    NodeSpec worker = node(h2, List.of(Role.WORKER));
    // A short heartbeat timeout: Temporal notices the dead worker within seconds, not a minute.
    ExecutionPolicy policy =
        new ExecutionPolicy(
            3, Duration.ofMinutes(2), "4.20", Duration.ofSeconds(5), Duration.ofSeconds(5));
    String id = NodeJoinRequest.workflowId(OP, h2.name());
    NodeJoinWorkflow wf =
        client.newWorkflowStub(
            NodeJoinWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue("graft").setWorkflowId(id).build());

    Process first = workers.start();
    WorkflowClient.start(
        wf::join,
        new NodeJoinRequest(
            "lab",
            OP,
            state.kubeconfig(),
            state.apiEndpoint(),
            "10.96.0.0/12",
            worker,
            cp1,
            List.of(h1.name()),
            policy));

    workers.await(
        "kubeadm join to start on " + h2.name(),
        Duration.ofMinutes(3),
        () -> !joins(host).isEmpty());
    long killedAt = System.nanoTime();
    WorkerProcesses.kill(first); // SIGKILL: no shutdown hook, no chance to finish the step
    // (No query here: with no worker alive, nothing answers one. The join's two attempts and its
    // "resumed" summary below show that the kill landed while it ran.)

    workers.start();
    java.util.concurrent.CompletableFuture<NodeJoinResult> finished =
        WorkflowStub.fromTyped(wf).getResultAsync(NodeJoinResult.class);
    workers.await(
        "the second worker to finish the join",
        Duration.ofMinutes(4),
        () -> {
          if (finished.isDone()) {
            return true;
          }
          List<StepView> now;
          try {
            now = wf.steps();
          } catch (RuntimeException e) {
            System.out.println("resume: query not answered yet: " + e.getMessage());
            return false;
          }
          if (now.stream().anyMatch(v -> v.state() == StepState.NEEDS_ATTENTION)) {
            fail("the join parked in needs-attention: " + now + workers.output());
          }
          return false;
        });
    NodeJoinResult result = finished.get();
    double resumedAfter = (System.nanoTime() - killedAt) / 1e9;
    System.out.printf(
        "resume: the second worker finished the join %.1f s after the first was killed%n",
        resumedAfter);

    assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.steps() + workers.output());
    for (String done : List.of("reach", "prechecks", "provision", "register")) {
      assertEquals(
          1,
          step(result.steps(), done).attempts(),
          done + " ran again after the kill: " + result.steps());
    }
    StepView join = step(result.steps(), "join");
    assertEquals(StepState.SUCCEEDED, join.state(), join.toString());
    assertEquals(
        2, join.attempts(), "the join should have been attempted by both workers: " + join);
    assertTrue(
        join.summary().contains("resumed"),
        "the second attempt did not attach to the first's join: " + join);

    // Every mutating command ran once on the host: one kubeadm join, and no invocation twice.
    assertEquals(1, joins(host).size(), "kubeadm join ran more than once: " + host.mutations());
    Map<String, Integer> seen = new HashMap<>();
    for (Mutation m : host.mutations()) {
      seen.merge(m.command() + " " + m.args(), 1, Integer::sum);
    }
    seen.forEach(
        (cmd, n) ->
            assertEquals(1, n, "ran " + n + " times: " + cmd + " (all: " + host.mutations() + ")"));

    try (KubernetesClient api =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(Path.of(state.kubeconfig()))))
            .build()) {
      Node n = api.nodes().withName(h2.name()).get();
      assertTrue(
          n.getStatus().getConditions().stream()
              .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
          n.getStatus().toString());
    }
    String history = HistoryText.of(client.fetchHistory(id));
    assertTrue(
        history.contains("\"name\":\"" + h2.name() + "\""),
        "the decoded history should carry the node's input");
    assertFalse(
        java.util.regex.Pattern.compile("[a-z0-9]{6}\\.[a-z0-9]{16}").matcher(history).find(),
        "a bootstrap token in the history");
    assertFalse(history.contains("PRIVATE KEY"), "a private key in the history");
  }

  private NodeSpec node(HostState h, List<Role> roles) {
    SshSpec ssh =
        new SshSpec("root", h.sshPort(), state.clientKey(), false, null, state.knownHosts());
    return new NodeSpec(h.name(), h.address(), null, roles, ssh, null, null, null);
  }

  private static StepView step(List<StepView> steps, String id) {
    return steps.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }
}
