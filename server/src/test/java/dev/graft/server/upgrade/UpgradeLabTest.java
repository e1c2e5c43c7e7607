package dev.graft.server.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.lab.Mutation;
import dev.graft.lab.RolePlan;
import dev.graft.server.GraftApplication;
import dev.graft.server.GraftConfiguration;
import dev.graft.server.temporal.EmbeddedTemporal;
import dev.graft.server.temporal.TemporalSettings;
import dev.graft.server.testing.Prereqs;
import dev.graft.server.testing.WorkerProcesses;
import dev.graft.workflows.plan.EtcdMember;
import io.dropwizard.testing.DropwizardTestSupport;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 15's acceptance: Graft's real upgrade workflows and activities against the upgradable lab
 * (v1.30.2 with v1.31.0 packages on every host). The lab bootstraps host 1; Graft's own expansion
 * grows it to three control planes + etcd and a worker. The refusals (skew, a blocking budget) run
 * first: they must change nothing. Then, through REST with the worker in a separate process: a
 * first upgrade is SIGKILLed during {@code kubeadm upgrade apply} (held by the lab's slow apply),
 * parks when the third control plane's {@code kubeadm upgrade node} keeps failing, and is aborted,
 * saying where each node stands; a re-submitted upgrade skips the two upgraded control planes,
 * finishes the half-upgraded one and the worker though SIGKILLed during the worker's drain (held by
 * a PodDisruptionBudget); no node is upgraded or its packages installed twice, and a third
 * submission finds every node already upgraded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration T = Duration.ofSeconds(10);
  private static final String FROM = "v1.30.2";
  private static final String TO = "v1.31.0";
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Path work;
  private Lab lab;
  private LabState state;
  private String inventory;
  private EmbeddedTemporal temporal;
  private DropwizardTestSupport<GraftConfiguration> app;
  private WorkerProcesses workers;
  private Process worker;
  private String base;
  private List<String> names;

  /** The partial upgrade (test 3) and how often its failing `kubeadm upgrade node` ran. */
  private String partial;

  private int failedUpgradeNodes;

  @BeforeAll
  void up() throws Exception {
    Prereqs.requireRoot("lab hosts are network namespaces");
    Prereqs.require("OpenSSH server", Path.of("/usr/sbin/sshd"));
    Prereqs.require("etcd", Path.of("/usr/bin/etcd"));
    Prereqs.require("etcdctl (the snapshot)", Path.of("/usr/bin/etcdctl"));
    long t0 = System.nanoTime();
    work = Files.createTempDirectory("graft-upgrade-");
    lab =
        Lab.up(
            LabSpec.builder()
                .nodes(4)
                .kind(LabKind.NETNS)
                .stateDir(work.resolve("lab"))
                .roles(new RolePlan(3, 3, false))
                .bootstrap(true)
                .kubernetesVersion(FROM)
                .upgradeTo(TO)
                .build());
    state = lab.state();
    names = state.hosts().stream().map(HostState::name).toList();
    // Three control planes + etcd: Graft's quorum gate refuses to grow etcd from one member to two.
    inventory = Files.readString(Path.of(state.inventoryYaml()));
    temporal = new EmbeddedTemporal("127.0.0.1", 0, new TemporalSettings());
    temporal.start();
    Path config = work.resolve("graft.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "mode: server",
            "temporal: {target: \"" + temporal.target() + "\"}",
            "auth: {anonymousRole: operator}",
            "operations: {heartbeatTimeout: 5s}",
            // The lab (inventory, kubeconfig) lives under the work directory.
            "paths: {allowedRoots: \"" + work + "\"}",
            "server:",
            "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  requestLog: {appenders: []}",
            "logging: {level: WARN}",
            ""));
    app = new DropwizardTestSupport<>(GraftApplication.class, config.toString());
    app.before();
    base = "http://127.0.0.1:" + app.getLocalPort();
    workers = new WorkerProcesses(temporal.target(), work);
    worker = workers.start();

    ObjectNode expand = body("expand", "grow");
    expand.putObject("options").put("maxParallel", 3);
    String id = submit(expand);
    JsonNode done = await(id, Duration.ofMinutes(4));
    assertEquals("done", done.path("state").asText(), done.toString());
    System.out.printf(
        "upgrade e2e: lab up + expansion to %d nodes at %s: %.1f s%n",
        names.size(), FROM, (System.nanoTime() - t0) / 1e9);
    for (String host : names) {
      lab.faults().recordInvocations(host, "kubeadm");
      lab.faults().recordInvocations(host, "apt-get");
    }
  }

  @AfterAll
  void down() throws Exception {
    try {
      if (workers != null) {
        workers.close();
      }
      if (app != null) {
        app.after();
      }
      if (temporal != null) {
        temporal.stop();
      }
    } finally {
      if (lab != null) {
        lab.close();
      }
      if (work != null) {
        try (var files = Files.walk(work)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
  }

  @Test
  @Order(1)
  void aSkippedMinorIsRefusedWithTheMinorToGoThroughFirst() throws Exception {
    ObjectNode b = body("upgrade", "skip-minor");
    b.putObject("upgrade").put("to", "v1.32.0");
    HttpResponse<String> r = post(b);
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(r.body().contains("UpgradeSkipsMinor") && r.body().contains("v1.31"), r.body());
    assertEquals(List.of(), mutating(), "nothing ran on any host");
  }

  @Test
  @Order(2)
  void aBudgetThatBlocksADrainFailsThePreChecksNamingItAndNothingIsCordoned() throws Exception {
    String node = names.get(3);
    lab.faults().blockDrain(node);
    try {
      ObjectNode b = body("upgrade", "blocked-pdb");
      b.putObject("upgrade").put("to", TO);
      JsonNode op = await(submit(b), Duration.ofMinutes(2));
      String text = op.toString();
      assertEquals("failed", op.path("state").asText(), text);
      assertTrue(op.path("message").asText().contains("nothing in the cluster was changed"), text);
      assertTrue(text.contains("block-" + node) && text.contains("blocked-" + node), text);
      try (KubernetesClient kube = kube()) {
        for (Node n : kube.nodes().list().getItems()) {
          assertFalse(
              Boolean.TRUE.equals(n.getSpec().getUnschedulable()),
              n.getMetadata().getName() + " was cordoned");
        }
      }
      assertEquals(List.of(), mutating(), "nothing ran on any host");
    } finally {
      lab.faults().unblockDrain(node);
    }
  }

  @Test
  @Order(3)
  void killedDuringApplyThenParkedByAFailingUpgradeNodeTheAbortSaysWhereEachNodeStands()
      throws Exception {
    String first = names.get(0);
    String failing = names.get(2);
    lab.faults().slowUpgradeApply(first, 1, Duration.ofSeconds(12));
    // On the second control plane an earlier dpkg run was interrupted (as when a worker dies
    // under apt-get): apt refuses until `dpkg --configure -a` ran, which the package step does
    // first.
    String interrupted = names.get(1);
    assertEquals(
        0,
        lab.host(interrupted)
            .exec(
                Duration.ofSeconds(20),
                "/bin/sh",
                "-c",
                "mkdir -p /var/lib/dpkg/updates && : > /var/lib/dpkg/updates/0001")
            .exitCode());
    // The third control plane's `kubeadm upgrade node` fails in kubelet-config every time, after
    // its control-plane phase rewrote the manifests: the step's retries run out and it parks.
    lab.faults().failUpgrade(failing, "node/control-plane", 99);
    ObjectNode b = body("upgrade", "to-1-31-0");
    b.putObject("upgrade").put("to", TO).put("drainTimeout", "3m");
    long t0 = System.nanoTime();
    partial = submit(b);

    // During `kubeadm upgrade apply` on the first control plane (held after etcd).
    workers.await(
        "kubeadm upgrade apply on " + first,
        Duration.ofMinutes(3),
        () ->
            lab.host(first).mutations("kubeadm").stream()
                .anyMatch(m -> m.args().startsWith("upgrade apply")));
    killAndReplace("during kubeadm upgrade apply on " + first);

    JsonNode parked = awaitState(partial, "needs-attention", Duration.ofMinutes(5));
    JsonNode step = step(childSteps(parked, failing), "kubeadm-upgrade");
    assertEquals("needs-attention", step.path("state").asText(), step.toString());
    assertTrue(
        step.toString().contains("error execution phase kubelet-config"),
        "kubeadm's own words: " + step);
    HttpResponse<String> abort =
        post("/api/v1/operations/" + partial + "/abort?reason=change%20window%20over", null);
    assertEquals(200, abort.statusCode(), abort.body());
    JsonNode aborted = await(partial, Duration.ofMinutes(2));
    System.out.printf(
        "upgrade e2e: partial upgrade (killed once, parked on %s, aborted): %.1f s%n",
        failing, (System.nanoTime() - t0) / 1e9);
    String message = aborted.path("message").asText();
    assertEquals("aborted", aborted.path("state").asText(), aborted.toString());
    assertEquals(
        List.of("upgraded", "upgraded", "aborted", "not-started"),
        StreamSupport.stream(aborted.at("/result/nodes").spliterator(), false)
            .map(n -> n.path("outcome").asText())
            .toList(),
        aborted.at("/result/nodes").toString());
    assertTrue(
        message.contains(failing + ": half-upgraded (at " + TO + ": kubeadm 1.31.0")
            && message.contains("kube-apiserver manifest v1.31.0")
            && message.contains("re-submit"),
        message);
    assertTrue(
        message.contains(
            names.get(3) + ": not upgraded, still at " + FROM + ", Ready, schedulable"),
        message);
    assertFalse(
        cordoned(failing) || cordoned(names.get(3)),
        "the abort leaves nothing cordoned that was not upgraded");
    JsonNode repaired = step(childSteps(aborted, interrupted), "kubeadm-package");
    assertTrue(
        repaired.path("outputTail").asText().contains("dpkg --configure -a first"),
        repaired.toString());
    assertEquals(
        "",
        lab.host(interrupted)
            .exec(Duration.ofSeconds(20), "/bin/sh", "-c", "ls /var/lib/dpkg/updates")
            .stdout()
            .strip(),
        "dpkg's pending updates were taken in");
    failedUpgradeNodes =
        (int)
            StreamSupport.stream(step.path("attemptHistory").spliterator(), false)
                .filter(a -> "failed".equals(a.path("outcome").asText()))
                .count();
    assertTrue(failedUpgradeNodes >= 2, "the step retried before it parked: " + step);
    assertLostAttempts(partial, List.of(first));
    lab.faults().failUpgrade(failing, "node/control-plane", 0);
  }

  @Test
  @Order(4)
  void theResubmittedUpgradeSkipsTheUpgradedNodesAndFinishesTheRestThoughKilledDuringADrain()
      throws Exception {
    String first = names.get(0);
    String failing = names.get(2);
    String w = names.get(3);
    ObjectNode b = body("upgrade", "to-1-31-0-resumed");
    b.putObject("upgrade").put("to", TO).put("drainTimeout", "3m");
    long t0 = System.nanoTime();
    String id = submit(b);

    // Past the pre-checks (the half-upgraded control plane is upgraded again), a budget blocks
    // the worker's drain; the worker is killed while that drain waits.
    workers.await(
        "kubeadm upgrade node on " + failing + " again",
        Duration.ofMinutes(3),
        () ->
            running(id)
                && kubeadm(failing).stream().filter(a -> a.startsWith("upgrade node")).count()
                    > failedUpgradeNodes);
    lab.faults().blockDrain(w);
    workers.await("the drain of " + w, Duration.ofMinutes(4), () -> cordoned(w));
    Thread.sleep(1_000);
    killAndReplace("during the drain of " + w);
    lab.faults().unblockDrain(w);

    JsonNode done = await(id, Duration.ofMinutes(5));
    double wall = (System.nanoTime() - t0) / 1e9;
    assertEquals("done", done.path("state").asText(), done.toString());
    assertEquals(0, done.at("/result/total/failed").asInt(), done.toString());
    assertEquals(
        List.of("already-upgraded", "already-upgraded", "upgraded", "upgraded"),
        StreamSupport.stream(done.at("/result/nodes").spliterator(), false)
            .map(n -> n.path("outcome").asText())
            .toList(),
        done.at("/result/nodes").toString());
    JsonNode snapshot = step(done.get("steps"), "etcd-snapshot");
    assertTrue(
        snapshot
            .path("summary")
            .asText()
            .matches("(?s).*/var/lib/graft/etcd-snapshots/.*\\.db.*[0-9a-f]{64}.*"),
        snapshot.toString());
    printFigures(done, wall);

    // Each node upgraded and its packages installed once over both operations, the apply once;
    // only the failing control plane ran `upgrade node` again: its failed attempts, then once.
    for (String host : names) {
      List<String> upgrades =
          kubeadm(host).stream()
              .filter(a -> a.startsWith("upgrade apply") || a.startsWith("upgrade node"))
              .toList();
      assertEquals(
          host.equals(failing) ? failedUpgradeNodes + 1 : 1,
          upgrades.size(),
          host + ": " + upgrades);
      assertEquals(
          host.equals(first), upgrades.get(0).startsWith("upgrade apply"), host + ": " + upgrades);
      List<String> installs = aptInstalls(host);
      assertEquals(
          installs.stream().distinct().toList(), installs, host + " installed twice: " + installs);
      assertTrue(
          installs.stream().anyMatch(i -> i.contains("kubeadm=1.31.0")), host + ": " + installs);
      assertTrue(
          installs.stream().anyMatch(i -> i.contains("kubelet=1.31.0")), host + ": " + installs);
    }
    // The worker's drain: one attempt lost with its worker, the next one finished it.
    JsonNode drain = step(childSteps(done, w), "drain");
    List<String> outcomes =
        StreamSupport.stream(drain.path("attemptHistory").spliterator(), false)
            .map(a -> a.path("outcome").asText())
            .toList();
    assertEquals(List.of("worker-lost", "succeeded"), outcomes, drain.toString());
    assertLostAttempts(id, List.of(w));
    assertCluster();

    // A re-submitted upgrade (a new request) finds every node upgraded and changes nothing.
    List<String> before = mutating();
    ObjectNode again = body("upgrade", "to-1-31-0-again");
    again.putObject("upgrade").put("to", TO);
    long t1 = System.nanoTime();
    JsonNode second = await(submit(again), Duration.ofMinutes(3));
    assertEquals("done", second.path("state").asText(), second.toString());
    for (JsonNode n : second.at("/result/nodes")) {
      assertEquals("already-upgraded", n.get("outcome").asText(), n.toString());
    }
    assertEquals(before, mutating(), "the second upgrade ran a mutating command");
    System.out.printf(
        "upgrade e2e: the re-submitted upgrade: %d nodes already-upgraded in %.1f s%n",
        second.at("/result/nodes").size(), (System.nanoTime() - t1) / 1e9);
  }

  /**
   * The audit trail has an entry per attempt a dead worker lost: numbered 1, on these nodes, and
   * why.
   */
  private void assertLostAttempts(String id, List<String> nodes) throws Exception {
    HttpResponse<String> history = get("/api/v1/operations/" + id + "/history");
    List<JsonNode> lost =
        StreamSupport.stream(JSON.readTree(history.body()).path("entries").spliterator(), false)
            .filter(
                e ->
                    "timed-out".equals(e.path("outcome").asText())
                        && e.toString().contains("heartbeat"))
            .toList();
    assertEquals(
        nodes,
        lost.stream().map(e -> e.path("node").asText()).toList(),
        "the lost attempts in " + id + ": " + lost);
    for (JsonNode e : lost) {
      assertEquals(1, e.path("attempt").asInt(), e.toString());
    }
  }

  private void killAndReplace(String point) throws Exception {
    WorkerProcesses.kill(worker);
    System.out.println("upgrade e2e: killed the worker " + point);
    worker = workers.start();
  }

  /**
   * Every node Ready, schedulable and at the target; kubeadm-config at the target; etcd healthy.
   */
  private void assertCluster() throws Exception {
    try (KubernetesClient kube = kube()) {
      List<Node> nodes = kube.nodes().list().getItems();
      assertEquals(names, nodes.stream().map(n -> n.getMetadata().getName()).sorted().toList());
      for (Node n : nodes) {
        String name = n.getMetadata().getName();
        assertEquals(TO, n.getStatus().getNodeInfo().getKubeletVersion(), name);
        assertTrue(
            n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
            name + " is Ready");
        assertFalse(Boolean.TRUE.equals(n.getSpec().getUnschedulable()), name + " is schedulable");
      }
      String cc =
          kube.configMaps()
              .inNamespace("kube-system")
              .withName("kubeadm-config")
              .get()
              .getData()
              .get("ClusterConfiguration");
      assertTrue(cc.contains("kubernetesVersion: " + TO), cc);
    }
    EtcdTls tls =
        new EtcdTls(
            state.bootstrap().etcdCaCert(),
            state.bootstrap().etcdClientCert(),
            state.bootstrap().etcdClientKey());
    List<String> endpoints =
        state.hosts().subList(0, 3).stream().map(h -> "https://" + h.address() + ":2379").toList();
    try (Client etcd = EtcdMemberReader.client(endpoints, tls, T)) {
      List<EtcdMember> members = new EtcdMemberReader(etcd, T).readMembers();
      assertEquals(3, members.size(), members.toString());
      for (EtcdMember m : members) {
        assertTrue(m.healthy() && !m.learner(), m.toString());
      }
    }
  }

  /** The upgrade's wall time and each node's step times, as the operation detail has them. */
  private void printFigures(JsonNode done, double wall) {
    System.out.printf(
        "upgrade e2e: %s -> %s of %d nodes with 2 SIGKILLed workers (%d workers in all): %.1f s wall%n",
        FROM, TO, names.size(), workers.started(), wall);
    for (JsonNode s : done.get("steps")) {
      if (!s.path("id").asText().startsWith("node/")) {
        System.out.printf(
            "  %-22s %6.1f s  %s%n", s.path("id").asText(), seconds(s), s.path("state").asText());
      }
    }
    for (String n : names) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode s : childSteps(done, n)) {
        sb.append(String.format(" %s %.1f s", s.path("id").asText(), seconds(s)));
      }
      System.out.printf("  node/%-17s%s%n", n, sb);
    }
  }

  private static double seconds(JsonNode s) {
    long start = s.path("startedAtMillis").asLong(0);
    long end = s.path("endedAtMillis").asLong(0);
    return start == 0 || end == 0 ? 0 : (end - start) / 1000.0;
  }

  /** The steps of the node's own workflow, as the operation detail lists its children. */
  private static JsonNode childSteps(JsonNode op, String node) {
    for (JsonNode c : op.path("children")) {
      if (node.equals(c.path("node").asText())) {
        return c.path("steps");
      }
    }
    throw new AssertionError("no child for " + node + " in " + op.path("children"));
  }

  private static JsonNode step(JsonNode steps, String id) {
    return StreamSupport.stream(steps.spliterator(), false)
        .filter(s -> id.equals(s.path("id").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + id + " in " + steps));
  }

  /** True while the operation runs; fails the test with the operation when it ended or parked. */
  private boolean running(String id) {
    try {
      JsonNode op = JSON.readTree(get("/api/v1/operations/" + id).body());
      if (!"running".equals(op.path("state").asText())) {
        fail(id + " is " + op.path("state").asText() + ", not running: " + op);
      }
      return true;
    } catch (java.io.IOException | InterruptedException e) {
      return false;
    }
  }

  private boolean cordoned(String node) {
    try (KubernetesClient kube = kube()) {
      Node n = kube.nodes().withName(node).get();
      return n != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    } catch (Exception e) {
      return false;
    }
  }

  private List<String> kubeadm(String host) {
    return lab.host(host).mutations("kubeadm").stream().map(Mutation::args).toList();
  }

  private List<String> aptInstalls(String host) {
    return lab.host(host).mutations("apt-get").stream()
        .map(Mutation::args)
        .filter(a -> a.contains("install"))
        .toList();
  }

  /** Every mutating command recorded on every host, as "host: command args". */
  private List<String> mutating() {
    List<String> out = new ArrayList<>();
    for (String host : names) {
      for (Mutation m : lab.host(host).mutations()) {
        boolean read =
            m.command().equals("kubeadm")
                    && (m.args().startsWith("version")
                        || m.args().startsWith("upgrade plan")
                        || m.args().startsWith("certs check-expiration")
                        || m.args().startsWith("config images"))
                || m.command().equals("apt-get") && !m.args().contains("install");
        if (!read) {
          out.add(host + ": " + m.command() + " " + m.args());
        }
      }
    }
    return out;
  }

  private KubernetesClient kube() throws Exception {
    return KubeClients.fromKubeconfig(Files.readString(Path.of(state.kubeconfig())), T);
  }

  private ObjectNode body(String kind, String requestId) {
    ObjectNode b = JSON.createObjectNode();
    b.put("kind", kind);
    b.put("requestId", requestId);
    b.putObject("inventory").put("text", inventory).put("file", "inventory.yaml");
    b.put("kubeconfig", state.kubeconfig());
    return b;
  }

  private String submit(ObjectNode body) throws Exception {
    HttpResponse<String> r = post(body);
    assertEquals(202, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("id").asText();
  }

  /**
   * Polls the operation until it ends (with its result); fails with the workers' logs if it parks.
   */
  private JsonNode await(String id, Duration timeout) throws Exception {
    return awaitState(id, null, timeout);
  }

  /**
   * Polls the operation until it is in {@code state} (null: ended with its result); fails with the
   * workers' logs on timeout, or when it parks in needs-attention unless that is the state awaited.
   */
  private JsonNode awaitState(String id, String state, Duration timeout) throws Exception {
    JsonNode[] last = {null};
    String[] seen = {""};
    workers.await(
        id + (state == null ? " to end" : " to be " + state),
        timeout,
        () -> {
          try {
            HttpResponse<String> r = get("/api/v1/operations/" + id);
            if (r.statusCode() != 200) {
              return false;
            }
            last[0] = JSON.readTree(r.body());
            String now = last[0].path("state").asText();
            String line = now + " " + last[0].path("message").asText("");
            if (!line.equals(seen[0])) {
              System.out.println("upgrade e2e: " + id + ": " + line);
              seen[0] = line;
            }
            if (state != null) {
              return state.equals(now);
            }
            if ("needs-attention".equals(now)) {
              fail(id + " needs attention: " + last[0] + workers.output());
            }
            // An ended operation carries its result (and with it the reason it ended).
            return List.of("done", "failed", "aborted").contains(now)
                && last[0].hasNonNull("result");
          } catch (java.io.IOException | InterruptedException e) {
            return false;
          }
        });
    return last[0];
  }

  private HttpResponse<String> post(ObjectNode body) throws Exception {
    return post("/api/v1/operations", body.toString());
  }

  /** A POST as the CLI sends it (JSON, no Origin); {@code body} null for a decision. */
  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws java.io.IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(20))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
