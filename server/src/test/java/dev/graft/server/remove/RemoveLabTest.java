package dev.graft.server.remove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
import dev.graft.server.ui.UiBrowser;
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
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;

/**
 * Issue 18's acceptance on real parts: Graft's removal workflows and activities against the lab
 * (OpenSSH in network namespaces, real etcd members, real routes; the Kubernetes API and kubeadm
 * are the lab's stand-ins). The lab has five hosts: host 1 is bootstrapped, hosts 1-4 are control
 * planes of the inventory, host 5 a worker; Graft's own expansion grows the cluster to three
 * control planes + etcd (hosts 1-3) and the worker, host 4 staying a spare control plane of the
 * inventory. Then, through REST with the worker in a separate process: removing 2 of the 3 members
 * is refused with the projection and changes nothing; the worker is removed with its Graft worker
 * SIGKILLed during the drain; a control plane whose host goes down (sshd stopped, link cut) is
 * replaced by the spare with {@code unreachable} (its dead member first, then the spare joins: 3 ->
 * 2 -> 3 voters, quorum held throughout); the control plane that leads etcd is removed (with the
 * operator's {@code acceptNoFaultTolerance}: 3 -> 2) with the worker SIGKILLed during the member
 * removal. Each resumes, and nothing is removed or reset twice. The replacement runs before the
 * leader's removal: it needs the three voters that a dead member's removal leaves a quorum of.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoveLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Duration T = Duration.ofSeconds(10);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Path work;
  private Lab lab;
  private LabState state;

  /** The lab's inventory: hosts 1-4 control planes + etcd, host 5 a worker. */
  private String fullInventory;

  /**
   * What the next operation submits: without the spare until it joins, without what was replaced
   * after.
   */
  private String inventory;

  private EmbeddedTemporal temporal;
  private DropwizardTestSupport<GraftConfiguration> app;
  private WorkerProcesses workers;
  private Process worker;
  private String base;
  private List<String> names;

  /** The cluster's control planes now (sorted): hosts 1-3, then as replaced and removed. */
  private final List<String> controlPlanes = new ArrayList<>();

  /**
   * Host 4: a control plane of the inventory that the expansion leaves out, for the replacement.
   */
  private String spare;

  /** Host 5. */
  private String workerNode;

  private final Map<String, String> address = new HashMap<>();
  private final Map<String, String> podCidr = new HashMap<>();
  private long classStart;

  @BeforeAll
  void up() throws Exception {
    Prereqs.requireRoot("lab hosts are network namespaces");
    Prereqs.require("OpenSSH server", Path.of("/usr/sbin/sshd"));
    Prereqs.require("etcd", Path.of("/usr/bin/etcd"));
    classStart = System.nanoTime();
    work = Files.createTempDirectory("graft-remove-");
    temporal = new EmbeddedTemporal("127.0.0.1", 0, new TemporalSettings());
    temporal.start();
    // The worker's JVM starts while the lab comes up (it costs ~10 s of the class otherwise).
    workers = new WorkerProcesses(temporal.target(), work);
    worker = workers.start();
    lab =
        Lab.up(
            LabSpec.builder()
                .nodes(5)
                .kind(LabKind.NETNS)
                .stateDir(work.resolve("lab"))
                .roles(new RolePlan(4, 4, false))
                .bootstrap(true)
                .build());
    state = lab.state();
    names = state.hosts().stream().map(HostState::name).toList();
    state.hosts().forEach(h -> address.put(h.name(), h.address()));
    controlPlanes.addAll(names.subList(0, 3));
    spare = names.get(3);
    workerNode = names.get(4);
    fullInventory = Files.readString(Path.of(state.inventoryYaml()));
    // As ReplaceDemo's: the spare control plane joins only by the replacement.
    inventory = inventoryWithout(List.of(spare));
    Path config = work.resolve("graft.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "mode: server",
            "temporal: {target: \"" + temporal.target() + "\"}",
            "auth: {anonymousRole: operator}",
            "operations: {heartbeatTimeout: 5s}",
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

    // Three control planes + etcd and a worker, grown by Graft's own expansion.
    long grow0 = System.nanoTime();
    ObjectNode expand = body("expand", "grow");
    expand.putObject("options").put("maxParallel", 3);
    JsonNode done = await(submit(expand), Duration.ofMinutes(5));
    assertEquals("done", done.path("state").asText(), done.toString());
    for (JsonNode st : done.get("steps")) {
      System.out.printf(
          "  expand %-28s %6.1f s  %s%n",
          st.path("id").asText(), seconds(st), st.path("state").asText());
    }
    try (KubernetesClient kube = kube()) {
      for (Node n : kube.nodes().list().getItems()) {
        podCidr.put(n.getMetadata().getName(), n.getSpec().getPodCIDR());
      }
    }
    assertEquals(names.size() - 1, podCidr.size(), podCidr.toString());
    assertFalse(podCidr.containsKey(spare), "the spare " + spare + " joined: " + podCidr);
    for (String host : names) {
      if (!host.equals(spare)) {
        assertTrue(
            routeTo(host.equals(names.get(0)) ? names.get(1) : names.get(0), host),
            "the expansion routed to " + host);
      }
      lab.faults().recordInvocations(host, "kubeadm");
    }
    System.out.printf(
        "remove e2e: lab up + expansion to %d nodes: %.1f s (the expansion %.1f s)%n",
        podCidr.size(), (System.nanoTime() - classStart) / 1e9, (System.nanoTime() - grow0) / 1e9);
  }

  @AfterAll
  void down() throws Exception {
    System.out.printf(
        "remove e2e: the whole class: %.1f s%n", (System.nanoTime() - classStart) / 1e9);
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
  void removingTwoOfThreeMembersIsRefusedWithTheProjectionAndChangesNothing() throws Exception {
    List<EtcdMember> before = members();
    List<String> logged = mutating();
    String leader = leaderName();
    List<String> followers = controlPlanes.stream().filter(n -> !n.equals(leader)).toList();
    // Strictly: refused at the first member (3 -> 2 leaves no failure to spare).
    ObjectNode strict = body("remove", "two-of-three");
    strict.putObject("remove").putArray("nodes").add(followers.get(0)).add(followers.get(1));
    String first = refused(strict);
    assertTrue(
        first.contains("etcd 3 -> 2 voters without " + followers.get(0))
            && first.contains("quorum 2 of 2")
            && first.contains("with one more failure only 1 voter(s) of the 2 needed"),
        first);
    // With the operator's override too: it never takes etcd to one voter (the second member).
    ObjectNode accepted = body("remove", "two-of-three-accepted");
    accepted
        .putObject("remove")
        .put("acceptNoFaultTolerance", true)
        .putArray("nodes")
        .add(followers.get(0))
        .add(followers.get(1));
    String second = refused(accepted);
    assertTrue(second.contains("etcd 2 -> 1 voters without " + followers.get(1)), second);
    System.out.println("remove e2e: 2 of 3 refused: " + first);
    System.out.println("remove e2e: 2 of 3 refused with acceptNoFaultTolerance: " + second);
    assertEquals(logged, mutating(), "nothing ran on any host");
    assertEquals(
        before.stream().map(EtcdMember::id).sorted().toList(),
        members().stream().map(EtcdMember::id).sorted().toList());
    try (KubernetesClient kube = kube()) {
      assertEquals(controlPlanes.size() + 1, kube.nodes().list().getItems().size());
      for (Node n : kube.nodes().list().getItems()) {
        assertFalse(
            Boolean.TRUE.equals(n.getSpec().getUnschedulable()),
            n.getMetadata().getName() + " was cordoned");
      }
    }
  }

  /**
   * POSTs a removal that must be a 422 RemovalLosesQuorum; returns that refusal's projection text.
   */
  private String refused(ObjectNode b) throws Exception {
    HttpResponse<String> r = post("/api/v1/operations", b);
    assertEquals(422, r.statusCode(), r.body());
    JsonNode refusals = JSON.readTree(r.body()).findValue("refusals");
    assertTrue(refusals != null && refusals.isArray(), r.body());
    for (JsonNode x : refusals) {
      if ("RemovalLosesQuorum".equals(x.path("code").asText())) {
        return x.path("message").asText();
      }
    }
    throw new AssertionError("no RemovalLosesQuorum in " + r.body());
  }

  @Test
  @Order(2)
  void aWorkerIsRemovedWithItsGraftWorkerKilledDuringTheDrain() throws Exception {
    String w = workerNode;
    // An orphan, as a join that crashed after `etcdctl member add --learner` leaves one: a learner
    // whose host never started etcd. The removal reports it and, asked to, removes it once
    // approved.
    String ghostPeer = "https://" + spareAddress() + ":2380";
    String added = etcdctl(names.get(0), "member add ghost --learner --peer-urls=" + ghostPeer);
    assertTrue(added.contains("added to cluster"), added);
    lab.faults().blockDrain(w);
    ObjectNode b = body("remove", "worker");
    b.putObject("remove")
        .put("drainTimeout", "3m")
        .put("cleanOrphans", true)
        .putArray("nodes")
        .add(w);
    long t0 = System.nanoTime();
    String id = submit(b);
    JsonNode gate = awaitOwnStep(id, "approve/orphans", "needs-attention", Duration.ofMinutes(3));
    String found = step(gate.path("steps"), "orphans").path("outputTail").asText();
    assertTrue(
        found.contains("learner") && found.contains(spareAddress()),
        "the orphan step names the learner and its peer: " + step(gate.path("steps"), "orphans"));
    assertTrue(
        etcdctl(names.get(0), "member list").contains(ghostPeer),
        "nothing removed before the approval");
    HttpResponse<String> ok =
        post("/api/v1/operations/" + id + "/approve?step=approve/orphans", JSON.createObjectNode());
    assertEquals(200, ok.statusCode(), ok.body());
    workers.await("the drain of " + w, Duration.ofMinutes(3), () -> cordoned(w));
    Thread.sleep(1_000);
    long killedAt = killAndReplace("during the drain of " + w);
    lab.faults().unblockDrain(w);
    JsonNode done = await(id, Duration.ofMinutes(4));
    assertEquals("done", done.path("state").asText(), done.toString());
    System.out.printf(
        "remove e2e: worker %s removed with 1 SIGKILL in %.1f s%n",
        w, (System.nanoTime() - t0) / 1e9);
    printSteps(done, w);

    JsonNode steps = childSteps(done, w);
    JsonNode drain = step(steps, "drain");
    printAttempts(drain, killedAt);
    assertResumed(drain);
    assertEquals(1, resets(w), "kubeadm reset ran once on " + w + ": " + kubeadm(w));
    assertTrue(
        step(steps, "reset").path("summary").asText().contains("reset leaves"),
        step(steps, "reset").toString());
    try (KubernetesClient kube = kube()) {
      assertEquals(null, kube.nodes().withName(w).get(), "the Node is gone");
      assertEquals(
          null,
          kube.pods().inNamespace("graft-lab").withName("blocked-" + w).get(),
          "the pod the budget held was evicted, not left behind");
    }
    for (String o : controlPlanes) {
      assertFalse(routeTo(o, w), o + " still routes to " + w + "'s pods");
    }
    assertEquals(
        "",
        lab.host(w).sh(T, "ip route show proto 213").stdout().strip(),
        "its own routes are gone");
    assertEquals(3, members().size());
    assertFalse(
        etcdctl(names.get(0), "member list").contains(ghostPeer),
        "the approved orphan learner is gone");
  }

  /** An address on the lab's bridge that no host has: where a crashed join's learner would live. */
  private String spareAddress() {
    String first = address.get(names.get(0));
    return first.substring(0, first.lastIndexOf('.') + 1) + "250";
  }

  /** etcdctl on a control plane, with the health-check client certificate kubeadm gives it. */
  private String etcdctl(String host, String args) {
    String pki = "/etc/kubernetes/pki/etcd";
    var r =
        lab.host(host)
            .sh(
                T,
                "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert="
                    + pki
                    + "/ca.crt --cert="
                    + pki
                    + "/healthcheck-client.crt --key="
                    + pki
                    + "/healthcheck-client.key "
                    + args);
    return r.stdout() + r.stderr();
  }

  /** Polls until the operation's own step {@code stepId} is in {@code want}. */
  private JsonNode awaitOwnStep(String id, String stepId, String want, Duration timeout)
      throws Exception {
    JsonNode[] last = {null};
    workers.await(
        stepId + " " + want,
        timeout,
        () -> {
          JsonNode op = operation(id);
          if (op == null) {
            return false;
          }
          last[0] = op;
          for (JsonNode st : op.path("steps")) {
            if (stepId.equals(st.path("id").asText()) && want.equals(st.path("state").asText())) {
              return true;
            }
          }
          if (List.of("done", "failed", "aborted").contains(op.path("state").asText())) {
            fail(id + " ended while waiting for " + stepId + ": " + op);
          }
          return false;
        });
    return last[0];
  }

  @Test
  @Order(3)
  void aControlPlaneWhoseHostIsDownIsReplacedItsDeadMemberFirstAndQuorumHolds() throws Exception {
    List<EtcdMember> before = members();
    String leader = leaderId();
    // Not host 1: its etcd is the inventory's endpoint, which the plan reads through. A follower,
    // so that the watch below sees Graft's changes and not an election the fault itself causes.
    String old =
        controlPlanes.stream()
            .filter(n -> !n.equals(names.get(0)))
            .filter(n -> !memberAt(before, n).id().equals(leader))
            .findFirst()
            .orElseThrow();
    String fresh = spare;
    String oldId = memberAt(before, old).id();
    String oldCidr = podCidr.get(old);
    List<String> staying = controlPlanes.stream().filter(n -> !n.equals(old)).toList();
    assertEquals(3, before.size(), before.toString());
    List<Mutation> oldLog = lab.host(old).mutations();
    System.out.printf(
        "remove e2e: replacing %s (etcd member %s, leader %s) with %s; its pod CIDR %s%n",
        old, oldId, leader, fresh, oldCidr);

    // Watched from the members that stay, from before the host goes down until the end.
    EtcdQuorumWatch watch =
        EtcdQuorumWatch.start(
            staying.stream().map(h -> "https://" + address.get(h) + ":2379").toList(),
            tls(),
            Duration.ofSeconds(2));
    List<EtcdQuorumWatch.Sample> samples;
    JsonNode accepted;
    JsonNode done;
    long t0;
    double submitSeconds;
    try {
      workers.await(
          "the watch's first sample", Duration.ofSeconds(30), () -> !watch.samples().isEmpty());
      // The host goes down: its sshd stops (sessions too), then its link is cut.
      lab.faults().stopSshdAndSessions(old);
      lab.faults().cutLink(old);
      assertFalse(lab.faults().sshdRunning(old), old + "'s sshd still runs");
      assertFalse(reachable(address.get(old), 22), old + " still answers on port 22");

      ObjectNode b = body("remove", "replace-dead");
      b.putObject("inventory").put("text", fullInventory).put("file", "inventory.yaml");
      b.putObject("remove").put("with", fresh).put("unreachable", true).putArray("nodes").add(old);
      t0 = System.nanoTime();
      HttpResponse<String> r = post("/api/v1/operations", b);
      submitSeconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(202, r.statusCode(), r.body());
      accepted = JSON.readTree(r.body());
      done = await(accepted.get("id").asText(), Duration.ofMinutes(6));
    } finally {
      samples = watch.stop();
    }
    double opSeconds = (System.nanoTime() - t0) / 1e9;

    // The plan (the 202 answer): the dead member first, then the spare joins.
    JsonNode plan = accepted.path("removal");
    System.out.println(
        "remove e2e: the replacement's plan: addFirst="
            + plan.path("addFirst")
            + "; "
            + plan.path("quorum").path(0).path("message").asText()
            + "; "
            + plan.path("warnings"));
    assertFalse(
        plan.path("addFirst").asBoolean(true), "the plan adds " + fresh + " first: " + plan);
    assertEquals(fresh, plan.path("replaceWith").asText(), plan.toString());
    assertTrue(plan.path("unreachable").asBoolean(), plan.toString());
    assertEquals(1, plan.path("nodes").size(), plan.toString());
    assertEquals(oldId, plan.path("nodes").path(0).path("memberId").asText(), plan.toString());
    String projection = plan.path("quorum").path(0).path("message").asText();
    assertTrue(
        projection.contains("etcd 3 -> 2 voters without")
            && projection.contains("it is unhealthy already"),
        projection);
    JsonNode order =
        StreamSupport.stream(plan.path("warnings").spliterator(), false)
            .filter(w -> "ReplaceOrder".equals(w.path("code").asText()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no ReplaceOrder warning: " + plan));
    assertTrue(
        order.path("message").asText().contains(old + " is unreachable: it is removed first")
            && order.path("message").asText().contains("then " + fresh + " joins"),
        order.toString());
    // etcd goes 3 -> 2 -> 3: the plan warns of no even count it does not end with.
    assertTrue(
        StreamSupport.stream(plan.path("warnings").spliterator(), false)
            .noneMatch(w -> "EtcdEvenMemberCount".equals(w.path("code").asText())),
        plan.path("warnings").toString());

    assertEquals("done", done.path("state").asText(), done.toString());
    System.out.printf(
        "remove e2e: replaced %s (down) with %s in %.1f s (the submit's plan %.1f s)%n",
        old, fresh, opSeconds, submitSeconds);
    printSteps(done, old);
    // And so it ran: the dead member's removal ended before the addition began.
    JsonNode removal = step(done.get("steps"), "node/" + old);
    JsonNode addition = step(done.get("steps"), "add/" + fresh);
    assertEquals("succeeded", addition.path("state").asText(), addition.toString());
    System.out.printf(
        "remove e2e: node/%s %.1f s, then add/%s %.1f s: %s%n",
        old, seconds(removal), fresh, seconds(addition), addition.path("summary").asText());
    assertTrue(
        removal.path("endedAtMillis").asLong() > 0
            && removal.path("endedAtMillis").asLong() <= addition.path("startedAtMillis").asLong(),
        "the removal of " + old + " " + removal + " ended after the addition began " + addition);

    JsonNode steps = childSteps(done, old);
    assertTrue(
        step(steps, "drain").path("summary").asText().length() > 0,
        step(steps, "drain").toString());
    assertNotEquals(
        "succeeded",
        step(steps, "reset").path("state").asText(),
        "reset ran on an unreachable host");
    assertTrue(
        step(steps, "etcd-member").path("summary").asText().contains("(id " + oldId + ")"),
        step(steps, "etcd-member").toString());
    assertEquals(oldLog, lab.host(old).mutations(), "something ran on " + old + ", which is down");

    // etcd: the dead member is gone by id; the others stayed; the spare is a healthy voter.
    List<EtcdMember> after = members(staying, fresh);
    System.out.printf("remove e2e: etcd before %s, after %s%n", before, after);
    assertTrue(
        after.stream().noneMatch(m -> m.id().equals(oldId)),
        oldId + " is still a member: " + after);
    assertEquals(3, after.size(), after.toString());
    for (String s : staying) {
      assertEquals(memberAt(before, s).id(), memberAt(after, s).id(), s + "'s member changed");
    }
    EtcdMember joined = memberAt(after, fresh);
    assertTrue(joined.healthy() && !joined.learner(), fresh + " is not a healthy voter: " + joined);
    for (EtcdMember m : after) {
      assertTrue(m.healthy() && !m.learner(), m.toString());
    }
    assertEquals(
        1,
        kubeadm(fresh).stream().filter(a -> a.startsWith("join")).count(),
        "kubeadm join ran once on " + fresh + ": " + kubeadm(fresh));

    // The Nodes, every apiserver's --etcd-servers and every node's routes.
    List<String> now = new ArrayList<>(staying);
    now.add(fresh);
    now.sort(null);
    try (KubernetesClient kube = kube()) {
      assertEquals(null, kube.nodes().withName(old).get(), "the Node " + old + " is still there");
      assertEquals(
          now,
          kube.nodes().list().getItems().stream()
              .map(n -> n.getMetadata().getName())
              .sorted()
              .toList());
      for (Node n : kube.nodes().list().getItems()) {
        podCidr.put(n.getMetadata().getName(), n.getSpec().getPodCIDR());
      }
    }
    String oldAddress = address.get(old);
    for (String o : now) {
      String servers =
          lab.host(o)
              .sh(
                  T,
                  "sed -n 's/^ *- --etcd-servers=//p' /etc/kubernetes/manifests/kube-apiserver.yaml")
              .stdout()
              .strip();
      assertFalse(
          servers.isEmpty() || servers.contains(oldAddress), o + ": --etcd-servers=" + servers);
      String routes = lab.host(o).sh(T, "ip route show proto 213").stdout();
      assertFalse(
          routes.contains(" via " + oldAddress + " "),
          o + " still routes through " + old + ": " + routes);
      // A freed pod CIDR may go to the node that joins next: then only through it.
      String toOld = lab.host(o).sh(T, "ip route show " + oldCidr + " proto 213").stdout().strip();
      boolean reused = oldCidr.equals(podCidr.get(fresh));
      assertTrue(
          toOld.isEmpty()
              || (reused && !o.equals(fresh) && toOld.contains(" via " + address.get(fresh) + " ")),
          o + " routes to " + old + "'s pod CIDR " + oldCidr + ": " + toOld);
      System.out.printf(
          "remove e2e: %s: --etcd-servers=%s; %d pod route(s)%s%n",
          o,
          servers,
          routes.lines().count(),
          reused && !toOld.isEmpty() ? "; " + oldCidr + " now via " + fresh : "");
    }
    for (String s : staying) {
      assertTrue(routeTo(s, fresh), s + " has no route to " + fresh + "'s pods");
    }

    // Quorum, as etcd answered every second: never below a majority, never 4 voters (the spare
    // was not added before the dead member went), 2 voters in between.
    System.out.printf("remove e2e: etcd watch, %d samples:%n", samples.size());
    for (int i = 0; i < samples.size(); i += 6) {
      System.out.println(
          "remove e2e:   "
              + samples.subList(i, Math.min(samples.size(), i + 6)).stream()
                  .map(EtcdQuorumWatch.Sample::toString)
                  .collect(java.util.stream.Collectors.joining("   ")));
    }
    List<EtcdQuorumWatch.Sample> answered =
        samples.stream().filter(EtcdQuorumWatch.Sample::answered).toList();
    IntSummaryStatistics healthy =
        answered.stream().mapToInt(EtcdQuorumWatch.Sample::healthy).summaryStatistics();
    IntSummaryStatistics voters =
        answered.stream().mapToInt(EtcdQuorumWatch.Sample::voters).summaryStatistics();
    long unanswered = samples.size() - answered.size();
    long lost = answered.stream().filter(s -> !s.majority()).count();
    System.out.printf(
        "remove e2e: etcd watch: %d samples, healthy voters min %d max %d, voters min %d max %d,"
            + " below majority %d, unanswered %d%n",
        samples.size(),
        healthy.getMin(),
        healthy.getMax(),
        voters.getMin(),
        voters.getMax(),
        lost,
        unanswered);
    assertTrue(answered.size() >= 10, "too few samples: " + samples);
    assertEquals(0, lost, "quorum lost: " + samples);
    assertEquals(0, unanswered, "etcd did not answer: " + samples);
    assertEquals(3, voters.getMax(), "voters: " + samples);
    assertEquals(2, voters.getMin(), "voters: " + samples);
    int firstTwo = indexOf(answered, s -> s.voters() == 2, 0);
    assertTrue(
        firstTwo > 0
            && answered.subList(0, firstTwo).stream()
                .anyMatch(s -> s.voters() == 3 && s.healthy() == 2),
        "3 voters, 2 healthy, before the dead one went: " + samples);
    assertTrue(
        indexOf(answered, s -> s.voters() == 3 && s.healthy() == 3, firstTwo) > firstTwo,
        "3 healthy voters after the spare joined: " + samples);
    EtcdQuorumWatch.Sample last = answered.get(answered.size() - 1);
    assertTrue(
        last.voters() == 3 && last.healthy() == 3 && last.learners() == 0,
        "the last sample: " + last);

    // As the SRE does after a replacement: the inventory no longer lists the old control plane.
    controlPlanes.remove(old);
    controlPlanes.add(fresh);
    controlPlanes.sort(null);
    inventory = inventoryWithout(List.of(old));
  }

  private static int indexOf(
      List<EtcdQuorumWatch.Sample> samples,
      java.util.function.Predicate<EtcdQuorumWatch.Sample> p,
      int from) {
    for (int i = from; i < samples.size(); i++) {
      if (p.test(samples.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /** The member whose peer URL is on {@code host}'s address (how Graft matches them too). */
  private EtcdMember memberAt(List<EtcdMember> members, String host) {
    return members.stream()
        .filter(m -> address.get(host).equals(m.peerHost()))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no etcd member on " + host + " (" + address.get(host) + "): " + members));
  }

  /** The members, read through the given hosts' etcd. */
  private List<EtcdMember> members(List<String> through, String more) throws Exception {
    List<String> urls = new ArrayList<>();
    through.forEach(h -> urls.add("https://" + address.get(h) + ":2379"));
    urls.add("https://" + address.get(more) + ":2379");
    try (Client etcd = EtcdMemberReader.client(urls, tls(), T)) {
      return new EtcdMemberReader(etcd, T).readMembers();
    }
  }

  /** Whether a TCP connection to {@code host:port} opens within 2 s. */
  private static boolean reachable(String host, int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress(host, port), 2_000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** The lab's inventory without {@code hosts} (the YAML the lab wrote, those nodes left out). */
  private String inventoryWithout(List<String> hosts) throws Exception {
    ObjectNode doc = (ObjectNode) YAML.readTree(fullInventory);
    ArrayNode nodes = (ArrayNode) doc.get("nodes");
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (hosts.contains(nodes.get(i).path("name").asText())) {
        nodes.remove(i);
      }
    }
    assertEquals(names.size() - hosts.size(), nodes.size(), "the inventory's nodes: " + nodes);
    return "# RemoveLabTest: the lab's inventory without "
        + hosts
        + "\n"
        + YAML.writeValueAsString(doc);
  }

  @Test
  @Order(4)
  void theEtcdLeaderIsRemovedLeadershipFirstWithItsGraftWorkerKilledDuringTheMemberRemoval()
      throws Exception {
    List<EtcdMember> before = members();
    String leaderId = leaderId();
    String cp =
        before.stream().filter(m -> m.id().equals(leaderId)).findFirst().orElseThrow().peerHost();
    String node =
        address.entrySet().stream()
            .filter(e -> e.getValue().equals(cp))
            .findFirst()
            .orElseThrow()
            .getKey();
    System.out.printf("remove e2e: etcd leader before: %s (%s)%n", leaderId, node);
    ObjectNode b = body("remove", "leader");
    b.putObject("remove").put("acceptNoFaultTolerance", true).putArray("nodes").add(node);
    long t0 = System.nanoTime();
    HttpResponse<String> r = post("/api/v1/operations", b);
    assertEquals(202, r.statusCode(), r.body());
    assertTrue(
        r.body().contains("RemovalNoFaultTolerance")
            && r.body().contains("etcd then tolerates 0 failure(s)"),
        r.body());
    // The worker removed before is still in the inventory: not in the cluster, so no step touches
    // it.
    String gone = workerNode;
    assertTrue(r.body().contains("InventoryNodeNotInCluster") && r.body().contains(gone), r.body());
    String id = JSON.readTree(r.body()).get("id").asText();

    // The member removal waits for an operator: by then leadership has moved and the member is
    // still there.
    JsonNode gate =
        awaitStep(id, node, "approve/etcd-member", "needs-attention", Duration.ofMinutes(3));
    String after = leaderId();
    System.out.printf(
        "remove e2e: etcd leader at the approval: %s; %s%n",
        after, step(childSteps(gate, node), "etcd-leader").path("summary").asText());
    assertNotEquals(leaderId, after, "leadership moved before the member removal");
    assertTrue(
        members().stream().anyMatch(m -> m.id().equals(leaderId)), "the member is still there");
    assertEquals("succeeded", step(childSteps(gate, node), "etcd-leader").path("state").asText());
    // The operation's page in a real browser shows the removal plan: the node, its member, the
    // leader move.
    try (UiBrowser ui = UiBrowser.start()) {
      ui.open(base + "/#/op/" + id);
      String plan =
          ui.until(
              "the removal plan on the operation's page",
              d ->
                  d.findElements(By.id("removal-plan")).stream()
                      .map(e -> e.getText())
                      .filter(t -> !t.isBlank())
                      .findFirst()
                      .orElse(null));
      System.out.printf("remove e2e: the UI's removal plan:%n%s%n", plan);
      assertTrue(
          plan.contains(
              node
                  + " (control plane, etcd member "
                  + leaderId
                  + ", the leader): cordon and drain,"
                  + " move etcd leadership, remove etcd member "
                  + leaderId
                  + " by id"),
          plan);
      assertTrue(
          plan.contains("Leader: etcd leader") && plan.contains("hands leadership to"), plan);
      assertTrue(plan.contains("etcd quorum projection"), plan);
      ui.screenshot("remove-leader-plan");
    }

    long killedAt = 0;
    // Frozen, the removed member's etcd holds the step's status read for the client's timeout:
    // the Graft worker is SIGKILLed while the step runs, then the member thaws.
    assertEquals(0, signalEtcd(node, "STOP"));
    try {
      HttpResponse<String> ok =
          post(
              "/api/v1/operations/" + id + "/approve?node=" + node + "&step=approve/etcd-member",
              JSON.createObjectNode());
      assertEquals(200, ok.statusCode(), ok.body());
      awaitStep(id, node, "etcd-member", "running", Duration.ofMinutes(1));
      Thread.sleep(500);
      killedAt =
          killAndReplace("during the removal of etcd member " + leaderId + " (" + node + ")");
    } finally {
      signalEtcd(node, "CONT");
    }
    JsonNode done = await(id, Duration.ofMinutes(4));
    assertEquals("done", done.path("state").asText(), done.toString());
    System.out.printf(
        "remove e2e: control plane %s (etcd leader) removed with 1 SIGKILL in %.1f s%n",
        node, (System.nanoTime() - t0) / 1e9);
    printSteps(done, node);

    JsonNode steps = childSteps(done, node);
    JsonNode member = step(steps, "etcd-member");
    printAttempts(member, killedAt);
    assertResumed(member);
    assertTrue(
        member.path("summary").asText().contains("(id " + leaderId + ")"), member.toString());
    List<EtcdMember> now = members();
    System.out.printf(
        "remove e2e: etcd voters before %d %s, after %d %s; leader after %s%n",
        before.size(),
        before.stream().map(EtcdMember::id).toList(),
        now.size(),
        now.stream().map(EtcdMember::id).toList(),
        leaderId());
    assertEquals(
        before.stream().map(EtcdMember::id).filter(x -> !x.equals(leaderId)).sorted().toList(),
        now.stream().map(EtcdMember::id).sorted().toList(),
        "only the leader's member went, by its id");
    for (EtcdMember m : now) {
      assertTrue(m.healthy() && !m.learner(), m.toString());
    }
    // etcd's own word: each member that stays applied the removal of that id exactly once (etcd
    // logs "etcdserver/membership: removed member <id> from cluster …" when it applies it).
    for (String o : controlPlanes.stream().filter(n -> !n.equals(node)).toList()) {
      String log = lab.host(o).sh(T, "cat /var/log/pods/kube-system_etcd*.log").stdout();
      long removals =
          log.lines().filter(l -> l.contains("removed member " + leaderId + " ")).count();
      System.out.printf(
          "remove e2e: %s's etcd log: %d x \"removed member %s\"%n", o, removals, leaderId);
      assertEquals(
          1,
          removals,
          o + "'s etcd applied the removal of " + leaderId + " " + removals + " times");
    }
    assertEquals(1, resets(node), "kubeadm reset ran once on " + node + ": " + kubeadm(node));
    String reset = step(steps, "reset").path("summary").asText();
    assertTrue(reset.contains("reset leaves"), reset);
    List<String> staying = controlPlanes.stream().filter(n -> !n.equals(node)).sorted().toList();
    for (String o : staying) {
      String servers =
          lab.host(o)
              .sh(
                  T,
                  "sed -n 's/^ *- --etcd-servers=//p' /etc/kubernetes/manifests/kube-apiserver.yaml")
              .stdout()
              .strip();
      assertFalse(servers.isEmpty() || servers.contains(cp), o + ": --etcd-servers=" + servers);
      assertFalse(routeTo(o, node), o + " still routes to " + node + "'s pods");
      assertEquals(0, resets(o), o + " was reset");
    }
    try (KubernetesClient kube = kube()) {
      assertEquals(
          staying,
          kube.nodes().list().getItems().stream()
              .map(n -> n.getMetadata().getName())
              .sorted()
              .toList());
    }
    assertTrue(
        StreamSupport.stream(steps.spliterator(), false)
            .noneMatch(x -> x.path("id").asText().endsWith("/" + gone)),
        "a step on " + gone + ", which left the cluster before: " + steps);
  }

  /**
   * The step's first attempt died with the killed worker, the last succeeded, and any between were
   * lost too: a freshly started worker JVM on a loaded machine can miss the lab's 5 s heartbeat
   * timeout once (seen in CI-like runs); the work itself is looked at on its own.
   */
  private static void assertResumed(JsonNode step) {
    List<String> tries = outcomes(step);
    assertTrue(tries.size() >= 2 && tries.size() <= 4, step.toString());
    assertEquals("worker-lost", tries.get(0), step.toString());
    assertEquals("succeeded", tries.get(tries.size() - 1), step.toString());
    assertTrue(
        tries.subList(1, tries.size() - 1).stream().allMatch("worker-lost"::equals),
        step.toString());
  }

  private static void printAttempts(JsonNode step, long killedAt) {
    for (JsonNode a : step.path("attemptHistory")) {
      System.out.printf(
          "remove e2e:   %s attempt %d: %s, from %+.1f s to %+.1f s of the kill%n",
          step.path("id").asText(),
          a.path("number").asInt(),
          a.path("outcome").asText(),
          (a.path("startedAtMillis").asLong() - killedAt) / 1e3,
          (a.path("endedAtMillis").asLong() - killedAt) / 1e3);
    }
  }

  private int signalEtcd(String host, String signal) {
    return lab.host(host)
        .sh(T, "kill -" + signal + " \"$(cat /run/graft-lab/static-pods/etcd.pid)\"")
        .exitCode();
  }

  /** SIGKILLs the worker, starts another; returns when it was killed (epoch millis). */
  private long killAndReplace(String point) throws Exception {
    WorkerProcesses.kill(worker);
    long at = System.currentTimeMillis();
    System.out.println("remove e2e: killed the worker " + point);
    worker = workers.start();
    return at;
  }

  /** Whether {@code on} has a Graft route (proto 213) to {@code to}'s pod CIDR. */
  private boolean routeTo(String on, String to) {
    String cidr = podCidr.get(to);
    assertTrue(cidr != null && cidr.matches("[0-9./]+"), to + ": " + cidr);
    return !lab.host(on).sh(T, "ip route show " + cidr + " proto 213").stdout().isBlank();
  }

  private List<EtcdMember> members() throws Exception {
    try (Client etcd = EtcdMemberReader.client(endpoints(), tls(), T)) {
      return new EtcdMemberReader(etcd, T).readMembers();
    }
  }

  private EtcdTls tls() {
    return new EtcdTls(
        state.bootstrap().etcdCaCert(),
        state.bootstrap().etcdClientCert(),
        state.bootstrap().etcdClientKey());
  }

  private List<String> endpoints() {
    return controlPlanes.stream().map(h -> "https://" + address.get(h) + ":2379").toList();
  }

  /** The leader's id (hex) as the answering members see it. */
  private String leaderId() throws Exception {
    Map<String, Integer> votes = new HashMap<>();
    try (Client etcd = EtcdMemberReader.client(endpoints(), tls(), T)) {
      for (String url : endpoints()) {
        try {
          long l =
              etcd.getMaintenanceClient().statusMember(url).get(5, TimeUnit.SECONDS).getLeader();
          if (l != 0) {
            votes.merge(Long.toHexString(l), 1, Integer::sum);
          }
        } catch (Exception e) {
          // a member removed or down: the others tell
        }
      }
    }
    return votes.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElseThrow(() -> new AssertionError("no etcd member names a leader"));
  }

  private String leaderName() throws Exception {
    String id = leaderId();
    String host =
        members().stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow().peerHost();
    return address.entrySet().stream()
        .filter(e -> e.getValue().equals(host))
        .findFirst()
        .orElseThrow()
        .getKey();
  }

  private void printSteps(JsonNode op, String node) {
    for (JsonNode s : op.get("steps")) {
      System.out.printf(
          "  %-24s %6.1f s  %s%n", s.path("id").asText(), seconds(s), s.path("state").asText());
    }
    for (JsonNode s : childSteps(op, node)) {
      System.out.printf(
          "  node/%s %-22s %6.1f s  %-18s %s  %s%n",
          node,
          s.path("id").asText(),
          seconds(s),
          s.path("state").asText(),
          outcomes(s),
          s.path("summary").asText());
    }
  }

  private static double seconds(JsonNode s) {
    long start = s.path("startedAtMillis").asLong(0);
    long end = s.path("endedAtMillis").asLong(0);
    return start == 0 || end == 0 ? 0 : (end - start) / 1000.0;
  }

  private static List<String> outcomes(JsonNode step) {
    return StreamSupport.stream(step.path("attemptHistory").spliterator(), false)
        .map(a -> a.path("outcome").asText())
        .toList();
  }

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

  private long resets(String host) {
    return kubeadm(host).stream().filter(a -> a.startsWith("reset")).count();
  }

  /** Every mutating command recorded on every host, as "host: command args". */
  private List<String> mutating() {
    List<String> out = new ArrayList<>();
    for (String host : names) {
      for (Mutation m : lab.host(host).mutations()) {
        boolean read = m.command().equals("kubeadm") && m.args().startsWith("version");
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
    HttpResponse<String> r = post("/api/v1/operations", body);
    assertEquals(202, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("id").asText();
  }

  private JsonNode operation(String id) {
    try {
      HttpResponse<String> r = get("/api/v1/operations/" + id);
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (java.io.IOException | InterruptedException e) {
      return null;
    }
  }

  /** Polls until the node's step {@code stepId} is in {@code want}; returns the operation then. */
  private JsonNode awaitStep(String id, String node, String stepId, String want, Duration timeout)
      throws Exception {
    JsonNode[] last = {null};
    workers.await(
        node + " " + stepId + " " + want,
        timeout,
        () -> {
          JsonNode op = operation(id);
          if (op == null) {
            return false;
          }
          last[0] = op;
          for (JsonNode c : op.path("children")) {
            if (node.equals(c.path("node").asText())) {
              for (JsonNode s : c.path("steps")) {
                if (stepId.equals(s.path("id").asText()) && want.equals(s.path("state").asText())) {
                  return true;
                }
              }
            }
          }
          if (List.of("done", "failed", "aborted").contains(op.path("state").asText())) {
            fail(id + " ended while waiting for " + stepId + ": " + op);
          }
          return false;
        });
    return last[0];
  }

  /** Polls the operation until it ends; fails on needs-attention or timeout. */
  private JsonNode await(String id, Duration timeout) throws Exception {
    JsonNode[] last = {null};
    String[] seen = {""};
    workers.await(
        id + " to end",
        timeout,
        () -> {
          JsonNode op = operation(id);
          if (op == null) {
            return false;
          }
          last[0] = op;
          String now = op.path("state").asText() + " " + op.path("message").asText("");
          if (!now.equals(seen[0])) {
            System.out.println("remove e2e: " + id + ": " + now);
            seen[0] = now;
          }
          if ("needs-attention".equals(op.path("state").asText())) {
            fail(id + " needs attention: " + op + workers.output());
          }
          return List.of("done", "failed", "aborted").contains(op.path("state").asText())
              && op.hasNonNull("result");
        });
    return last[0];
  }

  private HttpResponse<String> post(String path, ObjectNode body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
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
