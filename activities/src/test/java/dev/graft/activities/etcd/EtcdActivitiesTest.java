package dev.graft.activities.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.testing.Prereqs;
import dev.graft.workflows.etcd.CatchUpRequest;
import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.etcd.EndpointHealth;
import dev.graft.workflows.etcd.EtcdActivities;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdMemberStatus;
import dev.graft.workflows.etcd.GateRequest;
import dev.graft.workflows.etcd.MemberRequest;
import dev.graft.workflows.etcd.MemberResult;
import dev.graft.workflows.etcd.MoveLeaderRequest;
import dev.graft.workflows.etcd.RepairRequest;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jetcd activities against real etcd processes (/usr/bin/etcd, plain HTTP on 127.0.0.1, one
 * process per member, each killed by its handle afterwards): add a learner twice (one member),
 * start it, wait for catch-up, promote, grow to three, move leadership, refuse through the gate
 * naming a dead member, remove a leader, remove twice, repair a never-started learner.
 */
class EtcdActivitiesTest {
  static final Path ETCD = Path.of("/usr/bin/etcd");
  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private EtcdClients clients;
  private TestActivityEnvironment env;
  private EtcdActivities etcd;

  record Node(String name, String client, String peer) {}

  @AfterEach
  void stop() throws Exception {
    if (env != null) {
      env.close();
    }
    if (clients != null) {
      clients.close();
    }
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Node node(String name) throws IOException {
    return new Node(name, "http://127.0.0.1:" + freePort(), "http://127.0.0.1:" + freePort());
  }

  private Process start(Node n, String initialCluster, String state) throws IOException {
    Process p =
        new ProcessBuilder(
                ETCD.toString(),
                "--name",
                n.name(),
                "--data-dir",
                dir.resolve(n.name()).toString(),
                "--listen-client-urls",
                n.client(),
                "--advertise-client-urls",
                n.client(),
                "--listen-peer-urls",
                n.peer(),
                "--initial-advertise-peer-urls",
                n.peer(),
                "--initial-cluster",
                initialCluster,
                "--initial-cluster-state",
                state)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(n.name() + ".log").toFile())
            .start();
    processes.add(p);
    return p;
  }

  private EtcdSpec spec(Node... endpoints) {
    return new EtcdSpec(
        EtcdTopology.EXTERNAL,
        java.util.Arrays.stream(endpoints).map(Node::client).toList(),
        null,
        null,
        null);
  }

  private MemberRequest member(EtcdSpec spec, Node n) {
    return new MemberRequest("t", spec, n.name(), n.peer(), n.client());
  }

  /** Adds, starts, waits and promotes, as the workflow does. */
  private String grow(EtcdSpec spec, Node n) throws Exception {
    MemberResult added = addRetrying(member(spec, n));
    assertFalse(added.alreadySatisfied());
    MemberResult again = etcd.addLearner(member(spec, n));
    assertTrue(again.alreadySatisfied(), "a second add finds the first");
    assertEquals(added.memberId(), again.memberId());
    start(n, String.join(",", added.initialCluster()), "existing");
    StepOutcome caughtUp =
        etcd.awaitCaughtUp(
            new CatchUpRequest(
                "t",
                spec,
                n.name(),
                n.peer(),
                n.client(),
                System.currentTimeMillis() + 30_000,
                100));
    assertTrue(caughtUp.summary().contains("caught up"), caughtUp.summary());
    // etcd may refuse the first promotes ("in sync with leader"): the failure is retryable, as
    // Temporal would retry it.
    for (int i = 0; ; i++) {
      try {
        etcd.promote(member(spec, n));
        break;
      } catch (ActivityFailure f) {
        ApplicationFailure af = (ApplicationFailure) f.getCause();
        assertTrue(
            List.of("EtcdLearnerNotInSync", "EtcdUnhealthyCluster").contains(af.getType()),
            af.getType() + ": " + af.getOriginalMessage());
        assertFalse(af.isNonRetryable());
        assertTrue(i < 50, "promote kept being refused");
        Thread.sleep(200);
      }
    }
    assertTrue(
        etcd.promote(member(spec, n)).alreadySatisfied(), "promoting a voter is already done");
    return added.memberId();
  }

  @Test
  void growsToThreeMovesLeadershipGatesAndRemoves() throws Exception {
    Prereqs.require("etcd", ETCD);
    Node n1 = node("m1");
    Node n2 = node("m2");
    Node n3 = node("m3");
    start(n1, "m1=" + n1.peer(), "new");
    clients = new EtcdClients(Duration.ofSeconds(2));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new EtcdActivitiesImpl(clients));
    etcd = env.newActivityStub(EtcdActivities.class);
    EtcdSpec spec = spec(n1);
    for (int i = 0; i < 100; i++) {
      try {
        etcd.verifyHealthy(new ClusterRequest("t", spec));
        break;
      } catch (ActivityFailure f) {
        Thread.sleep(100);
      }
    }

    // The gate passes for the first addition with the one-member warning.
    var gate =
        etcd.gate(
            new GateRequest("t", spec, "m2", n2.peer(), List.of(n2.peer(), n3.peer()), false));
    assertFalse(gate.alreadySatisfied());
    assertEquals(List.of("m1=" + n1.peer()), gate.initialCluster());
    assertEquals(1, gate.warnings().size(), gate.warnings().toString());

    grow(spec, n2);
    String id3 = grow(spec, n3);
    EtcdSpec all = spec(n1, n2, n3);
    var health = etcd.verifyHealthy(new ClusterRequest("t", all));
    assertEquals(
        List.of(n1.client(), n2.client(), n3.client()).stream().sorted().toList(),
        health.clientUrls());
    List<EndpointHealth> endpoints = etcd.health(new ClusterRequest("t", all));
    assertEquals(3, endpoints.size());
    assertTrue(endpoints.stream().allMatch(EndpointHealth::healthy), endpoints.toString());

    // Leadership moves to m3, and the status says so.
    StepOutcome moved = etcd.moveLeader(new MoveLeaderRequest("t", all, n3.peer()));
    assertTrue(moved.summary().contains("to m3") || moved.alreadySatisfied(), moved.summary());
    EtcdClusterStatus status = waitForLeader(all, id3);
    assertEquals(id3, status.leaderId());
    assertTrue(etcd.moveLeader(new MoveLeaderRequest("t", all, n3.peer())).alreadySatisfied());

    // m2 dies: the gate refuses a fourth member, naming m2.
    processes.get(1).destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    Node n4 = node("m4");
    ActivityFailure refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            ActivityFailure.class,
            () -> etcd.gate(new GateRequest("t", all, "m4", n4.peer(), List.of(n4.peer()), true)));
    ApplicationFailure af = (ApplicationFailure) refused.getCause();
    assertEquals("QuorumGateRefused", af.getType());
    assertTrue(af.isNonRetryable());
    assertTrue(
        af.getOriginalMessage().contains("member m2 (" + n2.peer() + ") is unhealthy"),
        af.getOriginalMessage());

    // The dead m2 can be removed (the two live members keep quorum); etcd itself refuses to
    // remove a live one while m2 is dead ("unhealthy cluster", retryable).
    removeRetrying(member(all, n2));
    // Removing the leader (m3) moves leadership away first; a second removal finds nothing.
    EtcdSpec two = spec(n1, n3);
    etcd.moveLeader(new MoveLeaderRequest("t", two, n3.peer()));
    assertEquals(id3, waitForLeader(two, id3).leaderId());
    // (etcd may refuse the remove right after the move with "unhealthy cluster"; the retry then
    // finds m1 leading and removes m3 without another move.)
    StepOutcome removed = removeRetrying(member(two, n3));
    assertTrue(removed.summary().contains("removed m3"), removed.summary());
    EtcdClusterStatus afterRemove = etcd.status(new ClusterRequest("t", spec(n1)));
    assertEquals(afterRemove.members().get(0).id(), afterRemove.leaderId(), "m1 leads");
    // (The spec still names m3's endpoint, as a retry of the step would: a call that lands on the
    // removed member's closing channel is a retryable EtcdUnavailable, and the retry finds
    // nothing.)
    assertTrue(removeRetrying(member(two, n3)).alreadySatisfied());

    // A learner that never started, owned by the operation, is repaired away; others are not.
    Node n5 = node("m5");
    EtcdSpec left = spec(n1);
    addRetrying(member(left, n5));
    StepOutcome notOurs = etcd.repair(new RepairRequest("t", left, List.of("http://127.0.0.1:1")));
    assertTrue(notOurs.alreadySatisfied());
    StepOutcome repaired = etcd.repair(new RepairRequest("t", left, List.of(n5.peer())));
    assertTrue(repaired.summary().contains("learner"), repaired.summary());
    List<EtcdMemberStatus> finalMembers = etcd.status(new ClusterRequest("t", left)).members();
    assertEquals(List.of("m1"), finalMembers.stream().map(EtcdMemberStatus::name).toList());
  }

  private EtcdClusterStatus waitForLeader(EtcdSpec spec, String id) throws InterruptedException {
    EtcdClusterStatus s = null;
    for (int i = 0; i < 50; i++) {
      s = etcd.status(new ClusterRequest("t", spec));
      if (id.equals(s.leaderId())) {
        return s;
      }
      Thread.sleep(100);
    }
    return s;
  }

  /**
   * etcd refuses removes and adds with "unhealthy cluster" for a few seconds after a change;
   * Temporal retries.
   */
  private StepOutcome removeRetrying(MemberRequest r) throws InterruptedException {
    for (int i = 0; ; i++) {
      try {
        return etcd.remove(r);
      } catch (ActivityFailure f) {
        assertTrue(i < 60, "remove kept failing: " + f.getCause().getMessage());
        Thread.sleep(250);
      }
    }
  }

  private MemberResult addRetrying(MemberRequest r) throws InterruptedException {
    for (int i = 0; ; i++) {
      try {
        return etcd.addLearner(r);
      } catch (ActivityFailure f) {
        assertTrue(i < 60, "add kept failing: " + f.getCause().getMessage());
        Thread.sleep(250);
      }
    }
  }
}
