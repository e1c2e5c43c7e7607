package dev.graft.workflows.etcd;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful fake of an etcd cluster and its hosts. It keeps what etcd would (members by peer URL,
 * learner or voter, started, healthy) and what the hosts would (certificates, installed, running),
 * answers idempotently as the real activities do, evaluates the real {@link QuorumGate}, and
 * records every mutation. Failures are scripted per member name.
 */
final class FakeEtcd implements EtcdActivities, EtcdHostActivities {
  static final class Member {
    final String id;
    final String peer;
    final String client;
    String name = "";
    boolean learner;
    boolean started;
    boolean healthy = true;

    Member(String id, String peer, String client) {
      this.id = id;
      this.peer = peer;
      this.client = client;
    }
  }

  static final class Host {
    boolean certs;
    boolean installed;
    boolean running;
  }

  final Map<String, Member> members = Collections.synchronizedMap(new LinkedHashMap<>());
  final Map<String, Host> hosts = new ConcurrentHashMap<>();
  final List<String> mutations = Collections.synchronizedList(new ArrayList<>());

  /** Members whose learner never catches up. */
  final Set<String> neverCatchUp = ConcurrentHashMap.newKeySet();

  /** Adds whose response is lost after etcd applied them (the worker died mid-call). */
  final AtomicInteger loseAddResponses = new AtomicInteger();

  /** Promotes that fail (exhausting retries parks the step). */
  final AtomicInteger failPromotes = new AtomicInteger();

  /** While set, starting this member's etcd blocks until the latch opens. */
  volatile String blockStartOf;

  volatile CountDownLatch startLatch = new CountDownLatch(0);

  /** Block only the first start of {@link #blockStartOf} (a worker that died holding the task). */
  volatile boolean blockOnce;

  final AtomicInteger etcdAdds = new AtomicInteger();
  private int nextId = 0x100;

  private static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  /** An existing, started, healthy voter. */
  Member voter(String name, String ip) {
    Member m =
        new Member(
            Integer.toHexString(nextId++), "https://" + ip + ":2380", "https://" + ip + ":2379");
    m.name = name;
    m.started = true;
    members.put(m.peer, m);
    return m;
  }

  Member byName(String name) {
    synchronized (members) {
      return members.values().stream().filter(m -> m.name.equals(name)).findFirst().orElse(null);
    }
  }

  List<String> voterNames() {
    synchronized (members) {
      return members.values().stream().filter(m -> !m.learner).map(m -> m.name).toList();
    }
  }

  EtcdClusterStatus observe() {
    synchronized (members) {
      String leader =
          members.values().stream()
              .filter(m -> !m.learner && m.started && m.healthy)
              .map(m -> m.id)
              .findFirst()
              .orElse(null);
      List<EtcdMemberStatus> out = new ArrayList<>();
      for (Member m : members.values()) {
        boolean up = m.started && m.healthy;
        out.add(
            new EtcdMemberStatus(
                m.id,
                m.started ? m.name : "",
                List.of(m.peer),
                m.started ? List.of(m.client) : List.of(),
                m.learner,
                up,
                up ? leader : null,
                100,
                2,
                0,
                "3.4.23",
                null,
                null,
                m.learner ? null : up,
                up ? null : "no answer within 3000 ms"));
      }
      return new EtcdClusterStatus(out, leader);
    }
  }

  @Override
  public EtcdClusterStatus status(ClusterRequest request) {
    return observe();
  }

  @Override
  public List<EndpointHealth> health(ClusterRequest request) {
    return observe().voters().stream()
        .map(m -> new EndpointHealth(m.clientUrl(), m.healthy(), 1, m.problem()))
        .toList();
  }

  @Override
  public GateResult gate(GateRequest request) {
    EtcdClusterStatus s = observe();
    Set<String> voters = new HashSet<>();
    s.voters().forEach(v -> voters.addAll(v.peerUrls()));
    int target =
        s.voters().size()
            + (int) request.pendingPeerUrls().stream().filter(p -> !voters.contains(p)).count();
    QuorumGate.Verdict v =
        QuorumGate.evaluate(
            s, new QuorumGate.Change(request.peerUrl(), target, request.allowEvenSize()));
    if (!v.allowed()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "etcd quorum gate refused adding " + request.node() + ": " + v.message(),
          "QuorumGateRefused");
    }
    List<String> initial =
        s.members().stream()
            .filter(EtcdMemberStatus::started)
            .map(m -> m.name() + "=" + m.peerUrl())
            .toList();
    return new GateResult(
        v.alreadyMember(), v.message(), s.table(), attempt(), v.warnings(), initial);
  }

  @Override
  public StepOutcome repair(RepairRequest request) {
    List<String> removed = new ArrayList<>();
    for (EtcdMemberStatus m :
        QuorumGate.staleOwned(observe(), Set.copyOf(request.ownedPeerUrls()))) {
      members.remove(m.peerUrl());
      mutations.add("remove stale " + m.peerUrl());
      removed.add(m.label());
    }
    return removed.isEmpty()
        ? StepOutcome.alreadyDone("no stale member", "", attempt())
        : StepOutcome.did("removed " + removed, "", attempt());
  }

  @Override
  public MemberResult addLearner(MemberRequest request) {
    Member m;
    boolean existed;
    synchronized (members) {
      m = members.get(request.peerUrl());
      existed = m != null;
      if (!existed) {
        m = new Member(Integer.toHexString(nextId++), request.peerUrl(), request.clientUrl());
        m.learner = true;
        members.put(m.peer, m);
        etcdAdds.incrementAndGet();
        mutations.add("add " + request.name());
      }
    }
    if (!existed && loseAddResponses.getAndDecrement() > 0) {
      throw ApplicationFailure.newFailure(
          "connection lost after the add was sent", "EtcdUnavailable");
    }
    List<String> initial = new ArrayList<>();
    synchronized (members) {
      for (Member x : members.values()) {
        initial.add((x.peer.equals(request.peerUrl()) ? request.name() : x.name) + "=" + x.peer);
      }
    }
    return new MemberResult(
        existed,
        existed ? "already a member" : "added learner " + m.id,
        m.id,
        initial,
        "",
        attempt());
  }

  @Override
  public StepOutcome awaitCaughtUp(CatchUpRequest request) {
    Member m = members.get(request.peerUrl());
    if (m == null) {
      throw ApplicationFailure.newNonRetryableFailure("not a member", "EtcdMemberMissing");
    }
    if (!m.learner) {
      return StepOutcome.alreadyDone("already a voter", "", attempt());
    }
    if (neverCatchUp.contains(request.name()) || !m.started) {
      throw ApplicationFailure.newNonRetryableFailure(
          "learner " + request.name() + " did not catch up before the budget ended",
          "EtcdLearnerNotCaughtUp");
    }
    return StepOutcome.did("caught up", "", attempt());
  }

  @Override
  public StepOutcome promote(MemberRequest request) {
    Member m = members.get(request.peerUrl());
    if (m == null) {
      throw ApplicationFailure.newNonRetryableFailure("not a member", "EtcdMemberMissing");
    }
    if (!m.learner) {
      return StepOutcome.alreadyDone("already a voter", "", attempt());
    }
    if (failPromotes.getAndDecrement() > 0) {
      throw ApplicationFailure.newFailure(
          "etcdserver: can only promote a learner member which is in sync with leader",
          "EtcdLearnerNotInSync");
    }
    m.learner = false;
    mutations.add("promote " + request.name() + " " + m.id);
    return StepOutcome.did("promoted " + m.id, "", attempt());
  }

  @Override
  public StepOutcome remove(MemberRequest request) {
    if (members.remove(request.peerUrl()) == null) {
      return StepOutcome.alreadyDone("not a member", "", attempt());
    }
    mutations.add("remove " + request.name());
    return StepOutcome.did("removed", "", attempt());
  }

  @Override
  public StepOutcome moveLeader(MoveLeaderRequest request) {
    return StepOutcome.alreadyDone("leader unchanged", "", attempt());
  }

  @Override
  public HealthResult verifyHealthy(ClusterRequest request) {
    EtcdClusterStatus s = observe();
    if (s.members().stream().anyMatch(m -> m.learner() || !m.healthy())) {
      throw ApplicationFailure.newFailure("etcd is not healthy:\n" + s.table(), "EtcdUnhealthy");
    }
    return new HealthResult(
        false,
        "healthy",
        s.members().stream().map(EtcdMemberStatus::clientUrl).sorted().toList(),
        s.table(),
        attempt());
  }

  @Override
  public StepOutcome verifyVoter(MemberRequest request) {
    EtcdMemberStatus m = observe().byPeerUrl(request.peerUrl()).orElse(null);
    if (m == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "no member " + request.peerUrl(), "EtcdMemberNotHealthyVoter");
    }
    if (m.learner() || !m.healthy()) {
      throw ApplicationFailure.newFailure(
          m.label() + (m.learner() ? " is still a learner" : " is unhealthy"),
          "EtcdMemberNotYetVoter");
    }
    return StepOutcome.did(m.label() + " is a healthy voter", "", attempt());
  }

  // ---- hosts ----

  private Host host(EtcdHostRequest r) {
    return hosts.computeIfAbsent(r.node().name(), k -> new Host());
  }

  @Override
  public StepOutcome issueCertificates(EtcdHostRequest r) {
    Host h = host(r);
    if (h.certs) {
      return StepOutcome.alreadyDone("valid certificates", "", attempt());
    }
    h.certs = true;
    mutations.add("certs " + r.memberName());
    return StepOutcome.did("issued", "", attempt());
  }

  @Override
  public StepOutcome install(EtcdHostRequest r) {
    Host h = host(r);
    if (h.installed) {
      return StepOutcome.alreadyDone("installed", "", attempt());
    }
    h.installed = true;
    mutations.add("install " + r.memberName());
    return StepOutcome.did("installed", "", attempt());
  }

  @Override
  public StepOutcome start(EtcdHostRequest r) {
    if (r.memberName().equals(blockStartOf)) {
      if (blockOnce) {
        blockStartOf = null;
      }
      try {
        startLatch.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailure("worker stopped", "Interrupted");
      }
    }
    Host h = host(r);
    if (h.running) {
      return StepOutcome.alreadyDone("running", "", attempt());
    }
    if (!r.initialCluster().contains(r.memberName() + "=" + r.peerUrl())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "initial cluster lacks the member", "InvalidInput");
    }
    h.running = true;
    Member m = members.get(r.peerUrl());
    if (m != null) {
      m.started = true;
      m.name = r.memberName();
    }
    mutations.add("start " + r.memberName());
    return StepOutcome.did("started", "", attempt());
  }

  @Override
  public StepOutcome stopAndClean(EtcdHostRequest r) {
    Host h = host(r);
    boolean any = h.certs || h.installed || h.running;
    h.certs = false;
    h.installed = false;
    h.running = false;
    mutations.add("clean " + r.memberName());
    return any
        ? StepOutcome.did("cleaned", "", attempt())
        : StepOutcome.alreadyDone("nothing", "", attempt());
  }

  @Override
  public StepOutcome updateApiServers(ApiServerRequest r) {
    mutations.add("apiservers " + String.join(",", r.etcdServers()));
    return StepOutcome.did("updated", "", attempt());
  }

  @Override
  public StepOutcome verifyApiServers(ApiServerRequest r) {
    return StepOutcome.did("apiservers reach etcd", "", attempt());
  }
}
