package dev.graft.activities.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.testing.LabWorkbench;
import dev.graft.activities.testing.Prereqs;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabHost;
import dev.graft.lab.LabState;
import dev.graft.workflows.HistoryText;
import dev.graft.workflows.etcd.ApiServerRequest;
import dev.graft.workflows.etcd.EtcdCaRef;
import dev.graft.workflows.etcd.EtcdGrowthRequest;
import dev.graft.workflows.etcd.EtcdGrowthResult;
import dev.graft.workflows.etcd.EtcdGrowthWorkflow;
import dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl;
import dev.graft.workflows.etcd.EtcdHostActivities;
import dev.graft.workflows.etcd.EtcdHostRequest;
import dev.graft.workflows.etcd.EtcdPolicy;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorRequest;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * etcd growth end to end on the lab: netns hosts with real OpenSSH, host 1 bootstrapped as a
 * kubeadm control plane whose etcd (the kubelet stand-in's static pod) is a real etcd 3.4 process,
 * and Graft's external install path (certificates signed on host 1 with openssl, env file, systemd
 * unit run by the systemctl stand-in, real /usr/bin/etcd) on the other hosts. Temporal is the test
 * server without time skipping and with the workflow cache off, so every workflow task replays
 * history as a fresh worker would.
 */
class EtcdGrowthLabTest {
  private static final Duration T = Duration.ofSeconds(5);
  private LabWorkbench bench;
  private Lab lab;
  private EtcdClients clients;
  private TestWorkflowEnvironment temporal;
  private LabState state;
  private final Set<Client> readers = ConcurrentHashMap.newKeySet();

  private void up(int nodes, EtcdHostActivities hostActivities) throws Exception {
    Prereqs.requireExecutable("openssl", "/usr/bin/openssl");
    Prereqs.requireExecutable("curl", "/usr/bin/curl");
    bench =
        LabWorkbench.up(
            "graft-etcd-lab-",
            nodes,
            TestEnvironmentOptions.newBuilder()
                .setUseTimeskipping(false)
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder().setWorkflowCacheSize(0).build())
                .build());
    lab = bench.lab();
    state = bench.state();
    clients = new EtcdClients(Duration.ofSeconds(3));
    NodeShell shell = bench.shell();
    temporal = bench.temporal();
    Worker worker = temporal.newWorker("graft");
    worker.registerWorkflowImplementationTypes(EtcdGrowthWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new EtcdActivitiesImpl(clients),
        hostActivities != null ? hostActivities : new EtcdHostActivitiesImpl(shell));
    temporal.start();
  }

  private NodeShell shell() {
    return bench.shell();
  }

  @AfterEach
  void down() throws Exception {
    readers.forEach(Client::close);
    readers.clear();
    if (clients != null) {
      clients.close();
      clients = null;
    }
    if (bench != null) {
      bench.close();
      bench = null;
    }
  }

  private NodeSpec node(int i, Role role) {
    HostState h = state.hosts().get(i - 1);
    SshSpec ssh =
        new SshSpec("root", h.sshPort(), state.clientKey(), false, null, state.knownHosts());
    return new NodeSpec(h.name(), h.address(), null, List.of(role), ssh, null, null, null);
  }

  private EtcdSpec etcd() {
    return new EtcdSpec(
        EtcdTopology.EXTERNAL,
        state.etcdEndpoints(),
        state.bootstrap().etcdCaCert(),
        state.bootstrap().etcdClientCert(),
        state.bootstrap().etcdClientKey());
  }

  private EtcdTls tls() {
    return EtcdClients.tls(etcd());
  }

  private String url(int i, int port) {
    return "https://" + state.hosts().get(i - 1).address() + ":" + port;
  }

  private EtcdGrowthWorkflow stub() {
    return temporal
        .getWorkflowClient()
        .newWorkflowStub(
            EtcdGrowthWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue("graft")
                .setWorkflowId(EtcdGrowthWorkflow.workflowId("lab"))
                .build());
  }

  private EtcdGrowthRequest request(List<NodeSpec> members, EtcdPolicy policy) {
    return new EtcdGrowthRequest(
        "lab",
        etcd(),
        members,
        EtcdCaRef.kubeadm(node(1, Role.CONTROL_PLANE)),
        List.of(node(1, Role.CONTROL_PLANE)),
        policy);
  }

  private List<EtcdMember> members() throws Exception {
    Client c = reader(List.of(url(1, 2379)));
    return new EtcdMemberReader(c, T).readMembers();
  }

  private Client reader(List<String> endpoints) throws Exception {
    Client c = EtcdMemberReader.client(endpoints, tls(), T);
    readers.add(c);
    return c;
  }

  /**
   * The history as JSON with every payload's base64 data decoded, so a secret cannot hide in it.
   */
  private String decodedHistory() {
    return HistoryText.of(
        temporal.getWorkflowClient().fetchHistory(EtcdGrowthWorkflow.workflowId("lab")));
  }

  private static StepView step(EtcdGrowthResult r, String id) {
    return r.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }

  private static String bytes(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /**
   * Grows 1 → 3 while the worker "dies" during k8s-node2's start, right after the add: its start
   * call never answers (no result, no heartbeat); Temporal times it out and a worker resumes.
   */
  @Test
  void growsOneToThreeThroughAWorkerDeathThenRefusesAFourthWhileAMemberIsDown() throws Exception {
    AtomicReference<String> learnerIdAtDeath = new AtomicReference<>();
    AtomicBoolean died = new AtomicBoolean();
    EtcdHostActivities[] real = new EtcdHostActivities[1];
    EtcdHostActivities dying =
        new Delegating(() -> real[0]) {
          @Override
          public StepOutcome start(EtcdHostRequest r) {
            if (r.memberName().endsWith("node2") && died.compareAndSet(false, true)) {
              try {
                learnerIdAtDeath.set(
                    members().stream()
                        .filter(m -> m.peerUrl().endsWith(".12:2380"))
                        .findFirst()
                        .map(EtcdMember::id)
                        .orElse(null));
                Thread.sleep(30_000); // the dead worker: no heartbeat, no answer
              } catch (Exception e) {
                Thread.currentThread().interrupt();
              }
              throw new IllegalStateException("this worker is gone");
            }
            return real[0].start(r);
          }
        };
    up(4, dying);
    real[0] = new EtcdHostActivitiesImpl(shell());
    // Data written before the growth.
    Client first = reader(List.of(url(1, 2379)));
    for (int i = 0; i < 200; i++) {
      first
          .getKVClient()
          .put(
              ByteSequence.from("graft/before/" + i, StandardCharsets.UTF_8),
              ByteSequence.from("v" + i, StandardCharsets.UTF_8))
          .get(5, TimeUnit.SECONDS);
    }

    long t0 = System.nanoTime();
    EtcdPolicy policy =
        new EtcdPolicy(3, Duration.ofMinutes(2), 100, Duration.ofSeconds(2), 3, false, null);
    EtcdGrowthResult r =
        stub().grow(request(List.of(node(2, Role.ETCD), node(3, Role.ETCD)), policy));
    System.out.printf(
        "etcd 1 -> 3 on the lab (incl. a ~10 s dead-worker timeout): %.1f s%n",
        (System.nanoTime() - t0) / 1e9);
    assertEquals(OperationOutcome.COMPLETED, r.outcome(), r.message() + "\n" + r.steps());

    // member list: 3 voters, one per host, each once.
    List<EtcdMember> ms = members();
    assertEquals(3, ms.size(), ms.toString());
    assertTrue(ms.stream().noneMatch(EtcdMember::learner), ms.toString());
    assertTrue(ms.stream().allMatch(EtcdMember::healthy), ms.toString());
    assertEquals(
        Set.of(url(1, 2380), url(2, 2380), url(3, 2380)),
        Set.copyOf(ms.stream().map(EtcdMember::peerUrl).toList()));
    // The resumed workflow promoted the member the add created.
    assertTrue(died.get());
    assertNotNull(learnerIdAtDeath.get(), "k8s-node2 was a member when the worker died");
    assertEquals(
        learnerIdAtDeath.get(),
        ms.stream().filter(m -> m.peerUrl().equals(url(2, 2380))).findFirst().orElseThrow().id());
    assertEquals(2, step(r, "start/k8s-node2").attempts());
    assertEquals(StepState.SUCCEEDED, step(r, "add/k8s-node2").state());

    // Every endpoint healthy, and the data from before readable from each member's own store.
    for (int i = 1; i <= 3; i++) {
      Client c = reader(List.of(url(i, 2379)));
      var health =
          c.getKVClient()
              .get(ByteSequence.from("health", StandardCharsets.UTF_8))
              .get(5, TimeUnit.SECONDS);
      assertNotNull(health);
      for (int k : new int[] {0, 99, 199}) {
        var got =
            c.getKVClient()
                .get(
                    ByteSequence.from("graft/before/" + k, StandardCharsets.UTF_8),
                    GetOption.builder().withSerializable(true).build())
                .get(5, TimeUnit.SECONDS);
        assertEquals(1, got.getKvs().size(), "key " + k + " on member " + i);
        assertEquals("v" + k, bytes(got.getKvs().get(0).getValue()));
      }
    }
    // The apiserver manifest on host 1 lists the three members, and host 1 reaches them.
    String manifest =
        lab.host(state.hosts().get(0).name())
            .readFile("/etc/kubernetes/manifests/kube-apiserver.yaml")
            .orElseThrow();
    assertTrue(
        manifest.contains(
            "- --etcd-servers=" + url(1, 2379) + "," + url(2, 2379) + "," + url(3, 2379) + "\n"),
        manifest);
    assertTrue(
        step(r, "apiservers").outputTail().contains("reaches " + url(3, 2379)),
        step(r, "apiservers").outputTail());
    // The CA key stayed on host 1; no private key in the history.
    String history = decodedHistory();
    assertTrue(
        history.contains("k8s-node2") && history.contains("/etc/kubernetes/pki/etcd/ca.key"),
        "the decoded payloads are scanned (the CA key appears as a path reference only)");
    assertFalse(history.contains("PRIVATE KEY"), "a private key in the history");
    assertFalse(
        history.contains("BEGIN CERTIFICATE"), "certificates stay inside the activities too");
    LabHost h2 = lab.host(state.hosts().get(1).name());
    assertFalse(
        h2.readFile("/etc/etcd/pki/ca.key").isPresent(), "the CA key was copied to a member");
    assertTrue(h2.readFile("/etc/etcd/pki/peer.key").isPresent());

    // The same request again changes nothing.
    EtcdGrowthResult again =
        stub().grow(request(List.of(node(2, Role.ETCD), node(3, Role.ETCD)), policy));
    assertEquals(OperationOutcome.COMPLETED, again.outcome(), again.message());
    assertEquals(StepState.ALREADY_SATISFIED, step(again, "add/k8s-node3").state());
    assertEquals(StepState.ALREADY_SATISFIED, step(again, "apiservers").state());

    // k8s-node3's etcd dies: a fourth member is refused, naming it, and nothing changes.
    assertTrue(
        lab.faults()
            .killByPidFile(
                state.hosts().get(2).name(), "/run/graft-lab/units/etcd.service.pid", true));
    EtcdPolicy quick =
        new EtcdPolicy(3, Duration.ofMinutes(2), 100, Duration.ofSeconds(1), 2, true, null);
    EtcdGrowthWorkflow wf = stub();
    WorkflowClient.start(wf::grow, request(List.of(node(4, Role.ETCD)), quick));
    StepView gate = null;
    for (int i = 0; i < 300; i++) {
      gate =
          wf.steps().stream()
              .filter(s -> s.id().equals("gate/k8s-node4"))
              .findFirst()
              .orElseThrow();
      if (gate.state() == StepState.NEEDS_ATTENTION) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(StepState.NEEDS_ATTENTION, gate.state(), gate.toString());
    assertTrue(
        gate.error().contains("member k8s-node3 (" + url(3, 2380) + ") is unhealthy"),
        gate.error());
    assertEquals("QuorumGateRefused", gate.errorType());
    wf.decide(new OperatorRequest(null, Decision.ABORT, "alice", "k8s-node3 is down"));
    EtcdGrowthResult refused = WorkflowStub.fromTyped(wf).getResult(EtcdGrowthResult.class);
    assertEquals(OperationOutcome.ABORTED, refused.outcome());
    assertEquals(3, members().size(), "membership unchanged");
    LabHost h4 = lab.host(state.hosts().get(3).name());
    assertFalse(
        h4.readFile("/etc/etcd/etcd.env").isPresent(), "nothing was installed on k8s-node4");
    assertFalse(
        h4.readFile("/etc/etcd/pki/peer.crt").isPresent(),
        "no certificate was issued for k8s-node4");
  }

  /** The new member's host loses its link after the add, before promote: rollback. */
  @Test
  void aNewMemberWhoseHostLosesItsLinkBeforePromoteIsRolledBack() throws Exception {
    up(3, null);
    String h2 = state.hosts().get(1).name();
    AtomicBoolean cut = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (!stop.get()) {
                  List<EtcdMember> ms = members();
                  boolean listed = ms.stream().anyMatch(m -> m.peerUrl().equals(url(2, 2380)));
                  if (!cut.get() && listed) {
                    lab.faults().cutLink(h2);
                    cut.set(true);
                  } else if (cut.get() && !listed) {
                    // The member is gone from etcd: the link comes back so the host cleanup can
                    // run.
                    lab.faults().restoreLink(h2);
                    return;
                  }
                  Thread.sleep(20);
                }
              } catch (Exception e) {
                e.printStackTrace();
              }
            });
    watcher.setDaemon(true);
    watcher.start();
    long t0 = System.nanoTime();
    EtcdPolicy policy =
        new EtcdPolicy(3, Duration.ofSeconds(20), 100, Duration.ofSeconds(2), 3, false, null);
    EtcdGrowthResult r =
        stub().grow(request(List.of(node(2, Role.ETCD), node(3, Role.ETCD)), policy));
    stop.set(true);
    watcher.join(5000);
    System.out.printf(
        "link cut -> rollback on the lab: %.1f s; %s%n",
        (System.nanoTime() - t0) / 1e9, r.message());
    assertTrue(cut.get(), "the link was cut after the add");
    assertEquals(OperationOutcome.FAILED, r.outcome(), r.message() + "\n" + r.steps());
    assertEquals(List.of(h2), r.rolledBack());
    List<EtcdMember> ms = members();
    assertEquals(1, ms.size(), ms.toString());
    assertTrue(ms.get(0).healthy() && !ms.get(0).learner(), ms.toString());
    assertEquals(
        StepState.SUCCEEDED,
        step(r, "undo-add/" + h2).state(),
        step(r, "undo-add/" + h2).toString());
    assertEquals(
        StepState.SUCCEEDED,
        step(r, "undo-install/" + h2).state(),
        step(r, "undo-install/" + h2).toString());
    LabHost host = lab.host(h2);
    assertFalse(host.readFile("/etc/systemd/system/etcd.service").isPresent(), "unit removed");
    assertFalse(host.readFile("/etc/etcd/etcd.env").isPresent(), "config removed");
    assertFalse(host.sh(T, "test -e /var/lib/etcd").exitCode() == 0, "data dir removed");
    assertFalse(
        host.sh(T, "/usr/local/bin/systemctl is-active etcd").exitCode() == 0, "etcd stopped");
    assertEquals(
        StepState.PENDING,
        step(r, "gate/" + state.hosts().get(2).name()).state(),
        "k8s-node3 untouched");

    // A late attempt of the start step (as one cut off from its worker reaches the host only after
    // the rollback) is fenced by the removed unit: it starts nothing — not even the distribution's
    // own etcd.service (Debian's etcd-server ships one), which removing Graft's unit uncovers.
    io.temporal.testing.TestActivityEnvironment env =
        io.temporal.testing.TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(new EtcdHostActivitiesImpl(shell()));
      EtcdHostActivities late =
          env.newActivityStub(
              EtcdHostActivities.class,
              io.temporal.activity.ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofMinutes(1))
                  .setRetryOptions(
                      io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      String first = state.hosts().get(0).name();
      io.temporal.failure.ActivityFailure f =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.temporal.failure.ActivityFailure.class,
              () ->
                  late.start(
                      new EtcdHostRequest(
                          "lab",
                          node(2, Role.ETCD),
                          EtcdCaRef.kubeadm(node(1, Role.CONTROL_PLANE)),
                          h2,
                          url(2, 2380),
                          url(2, 2379),
                          List.of(first + "=" + url(1, 2380), h2 + "=" + url(2, 2380)),
                          policy.etcdBinary())));
      assertEquals(
          "EtcdUnitMissing",
          ((io.temporal.failure.ApplicationFailure) f.getCause()).getType(),
          f.toString());
    } finally {
      env.close();
    }
    assertFalse(
        host.sh(T, "test -e /var/lib/etcd").exitCode() == 0, "a late start recreated no data dir");
    assertFalse(host.readFile("/etc/etcd/etcd.env").isPresent(), "a late start wrote no config");
  }

  /** Delegates every call; tests override the one they break. */
  private static class Delegating implements EtcdHostActivities {
    private final java.util.function.Supplier<EtcdHostActivities> d;

    Delegating(java.util.function.Supplier<EtcdHostActivities> d) {
      this.d = d;
    }

    @Override
    public StepOutcome issueCertificates(EtcdHostRequest r) {
      return d.get().issueCertificates(r);
    }

    @Override
    public StepOutcome install(EtcdHostRequest r) {
      return d.get().install(r);
    }

    @Override
    public StepOutcome start(EtcdHostRequest r) {
      return d.get().start(r);
    }

    @Override
    public StepOutcome stopAndClean(EtcdHostRequest r) {
      return d.get().stopAndClean(r);
    }

    @Override
    public StepOutcome updateApiServers(ApiServerRequest r) {
      return d.get().updateApiServers(r);
    }

    @Override
    public StepOutcome verifyApiServers(ApiServerRequest r) {
      return d.get().verifyApiServers(r);
    }
  }
}
