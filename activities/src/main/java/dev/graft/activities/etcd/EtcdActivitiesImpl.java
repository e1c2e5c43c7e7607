package dev.graft.activities.etcd;

import static dev.graft.activities.common.ActivityAttempts.attempt;
import static dev.graft.activities.etcd.EtcdFailures.call;
import static dev.graft.activities.etcd.EtcdFailures.failure;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.CatchUpRequest;
import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.etcd.EndpointHealth;
import dev.graft.workflows.etcd.EtcdActivities;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdMemberStatus;
import dev.graft.workflows.etcd.GateRequest;
import dev.graft.workflows.etcd.GateResult;
import dev.graft.workflows.etcd.HealthResult;
import dev.graft.workflows.etcd.MemberRequest;
import dev.graft.workflows.etcd.MemberResult;
import dev.graft.workflows.etcd.MoveLeaderRequest;
import dev.graft.workflows.etcd.QuorumGate;
import dev.graft.workflows.etcd.RepairRequest;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.step.StepOutcome;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd membership through jetcd. Every call is bounded by the client timeout; every change observes
 * the member list first and finds its own earlier work by peer URL, so retries and resumed
 * workflows never add a member twice.
 */
public final class EtcdActivitiesImpl implements EtcdActivities {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdActivitiesImpl.class);
  private static final ByteSequence HEALTH_KEY =
      ByteSequence.from("health", StandardCharsets.UTF_8);

  /**
   * http(s)://host:port, host an IPv4 address or a DNS name: what Graft accepts as a member URL.
   */
  private static final Pattern MEMBER_URL =
      Pattern.compile(
          "https?://([0-9]{1,3}(\\.[0-9]{1,3}){3}|[a-z0-9]([-a-z0-9.]*[a-z0-9])?):[0-9]{1,5}");

  private final EtcdClients clients;
  private final long timeoutMillis;

  private final EtcdViaNodes viaNodes;

  /** {@code graft_etcd_gate_checks_total{result}}: every quorum gate check, passed or refused. */
  private final Counter gatePassed;

  private final Counter gateRefused;

  /** jetcd with the worker's client files only; a request that names nodes to go through fails. */
  public EtcdActivitiesImpl(EtcdClients clients) {
    this(clients, null, Metrics.globalRegistry);
  }

  /**
   * @param throughNodes how a request without client files on the worker ({@link
   *     EtcdSpec#viaNodes()}) reaches etcd: over SSH, through a control-plane node's own
   *     certificate
   * @param metrics where the quorum gate's checks are counted (registered up front, at zero)
   */
  public EtcdActivitiesImpl(
      EtcdClients clients, EtcdThroughNode throughNodes, MeterRegistry metrics) {
    this.clients = clients;
    this.timeoutMillis = clients.timeout().toMillis();
    this.viaNodes = throughNodes == null ? null : new EtcdViaNodes(throughNodes);
    this.gatePassed = gateCounter(metrics, "passed");
    this.gateRefused = gateCounter(metrics, "refused");
  }

  /**
   * Registers the gate's counters at zero (idempotent): a worker does this at start, so the series
   * exist (and alert rules can rely on them) before the first gate runs.
   */
  public static void registerGateChecks(MeterRegistry metrics) {
    gateCounter(metrics, "passed");
    gateCounter(metrics, "refused");
  }

  private static Counter gateCounter(MeterRegistry metrics, String result) {
    return Counter.builder("graft_etcd_gate_checks")
        .description("etcd quorum gate checks before a membership change, by result")
        .tag("result", result)
        .register(metrics);
  }

  /** The node route for a request that asks for it; null for the worker's own client files. */
  private EtcdViaNodes via(EtcdSpec spec) {
    if (!spec.viaNodes()) {
      return null;
    }
    if (viaNodes == null) {
      throw failure(
          "this worker cannot reach etcd through a node (no SSH wired into its etcd activities)",
          FailureTypes.INVALID_INPUT,
          true,
          "");
    }
    return viaNodes;
  }

  // ---- reads ------------------------------------------------------------------------------

  @Override
  public EtcdClusterStatus status(ClusterRequest request) {
    return observe(request.etcd());
  }

  @Override
  public List<EndpointHealth> health(ClusterRequest request) {
    if (via(request.etcd()) != null) {
      return observe(request.etcd()).voters().stream()
          .filter(EtcdMemberStatus::started)
          .sorted(Comparator.comparing(EtcdMemberStatus::clientUrl))
          .map(
              m ->
                  new EndpointHealth(
                      m.clientUrl(), Boolean.TRUE.equals(m.endpointHealthy()), 0, m.problem()))
          .toList();
    }
    Client c = clients.forSpec(request.etcd());
    List<String> urls = new ArrayList<>();
    for (Member m :
        call(c.getClusterClient().listMember(), "member list", timeoutMillis).getMembers()) {
      if (!m.getClientURIs().isEmpty() && !m.isLearner()) {
        urls.add(m.getClientURIs().get(0).toString());
      }
    }
    urls.sort(Comparator.naturalOrder());
    List<EndpointHealth> out = new ArrayList<>();
    for (String u : urls) {
      long t0 = System.nanoTime();
      String error = read(u, request.etcd());
      out.add(new EndpointHealth(u, error == null, (System.nanoTime() - t0) / 1_000_000, error));
    }
    return out;
  }

  /** A linearizable read through one endpoint, as `etcdctl endpoint health`; null when healthy. */
  private String read(String url, EtcdSpec spec) {
    return readResult(
        startRead(url, spec), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
  }

  private CompletableFuture<GetResponse> startRead(String url, EtcdSpec spec) {
    return onEndpoint(url, spec, c -> c.getKVClient().get(HEALTH_KEY));
  }

  /**
   * A call through the cached client of one member's endpoint. When it fails without an answer
   * (UNAVAILABLE: the member is down, or it is back but this client's channel still waits out its
   * reconnect backoff from the outage), the call is made once more through a new client, which
   * replaces the cached one: a member that came back is seen at once, and one that is still down
   * fails the second call as fast as the first ("Connection refused"). The caller's deadline bounds
   * both. (Member status needs none of this: jetcd's statusMember opens a channel of its own for
   * every call.)
   */
  private <T> CompletableFuture<T> onEndpoint(
      String url, EtcdSpec spec, Function<Client, CompletableFuture<T>> call) {
    EtcdTls tls = EtcdClients.tls(spec);
    Client cached = clients.forEndpoints(List.of(url), tls);
    return call.apply(cached)
        .handle(
            (answer, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(answer);
              }
              if (!unavailable(error)) {
                return CompletableFuture.<T>failedFuture(error);
              }
              LOG.debug(
                  "etcd endpoint {} did not answer ({}); once more on a new connection",
                  url,
                  EtcdFailures.message(error));
              return call.apply(clients.reconnect(List.of(url), tls, cached));
            })
        .thenCompose(f -> f);
  }

  /** Whether a jetcd failure means no answer came (gRPC UNAVAILABLE), as opposed to a refusal. */
  static boolean unavailable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof EtcdException e && e.getErrorCode() == ErrorCode.UNAVAILABLE) {
        return true;
      }
      if (c instanceof StatusRuntimeException e
          && e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        return true;
      }
    }
    return false;
  }

  private String readResult(CompletableFuture<GetResponse> f, long deadlineNanos) {
    try {
      f.get(remaining(deadlineNanos), TimeUnit.NANOSECONDS);
      return null;
    } catch (TimeoutException e) {
      f.cancel(true);
      return "no answer within " + timeoutMillis + " ms";
    } catch (ExecutionException e) {
      String m = EtcdFailures.message(e.getCause());
      // etcdctl counts "permission denied" as healthy: the member answered, auth said no.
      return m.toLowerCase(Locale.ROOT).contains("permission denied") ? null : m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Member list, alarms, and every started member's status and endpoint read, all in parallel. */
  EtcdClusterStatus observe(EtcdSpec spec) {
    if (via(spec) != null) {
      return viaNodes.observe(spec);
    }
    Client c = answering(spec);
    List<Member> members =
        call(c.getClusterClient().listMember(), "member list", timeoutMillis).getMembers();
    Map<Long, List<String>> alarms = new HashMap<>();
    for (AlarmMember a :
        call(c.getMaintenanceClient().listAlarms(), "alarm list", timeoutMillis).getAlarms()) {
      alarms.computeIfAbsent(a.getMemberId(), k -> new ArrayList<>()).add(a.getAlarmType().name());
    }
    Map<Long, CompletableFuture<StatusResponse>> statuses = new LinkedHashMap<>();
    Map<Long, CompletableFuture<GetResponse>> reads = new HashMap<>();
    for (Member m : members) {
      if (m.getName().isEmpty() || m.getClientURIs().isEmpty()) {
        continue;
      }
      String url = m.getClientURIs().get(0).toString();
      statuses.put(m.getId(), c.getMaintenanceClient().statusMember(url));
      if (!m.isLearner()) {
        reads.put(m.getId(), startRead(url, spec));
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis + 500);
    Map<String, Integer> leaderVotes = new HashMap<>();
    List<EtcdMemberStatus> out = new ArrayList<>();
    for (Member m : members) {
      String id = hex(m.getId());
      boolean reachable = false;
      String leader = null;
      long index = 0;
      long term = 0;
      long db = 0;
      String version = null;
      List<String> errors = List.of();
      String problem = null;
      Boolean endpointHealthy = null;
      CompletableFuture<StatusResponse> sf = statuses.get(m.getId());
      if (sf != null) {
        try {
          StatusResponse s = sf.get(remaining(deadline), TimeUnit.NANOSECONDS);
          reachable = true;
          leader = s.getLeader() == 0 ? null : hex(s.getLeader());
          index = s.getRaftIndex();
          term = s.getRaftTerm();
          db = s.getDbSize();
          version = s.getVersion();
          errors = s.getErrorList();
          if (leader != null) {
            leaderVotes.merge(leader, 1, Integer::sum);
          }
        } catch (TimeoutException e) {
          sf.cancel(true);
          problem = "no answer within " + timeoutMillis + " ms";
        } catch (ExecutionException e) {
          problem = EtcdFailures.message(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          problem = "interrupted";
        }
      }
      CompletableFuture<GetResponse> rf = reads.get(m.getId());
      if (rf != null) {
        String readError = readResult(rf, deadline);
        endpointHealthy = readError == null;
        if (readError != null && problem == null) {
          problem = readError;
        }
      }
      out.add(
          new EtcdMemberStatus(
              id,
              m.getName(),
              urls(m.getPeerURIs()),
              urls(m.getClientURIs()),
              m.isLearner(),
              reachable,
              leader,
              index,
              term,
              db,
              version,
              alarms.getOrDefault(m.getId(), List.of()),
              errors,
              endpointHealthy,
              problem));
    }
    String leaderId =
        leaderVotes.entrySet().stream()
            .max(Map.Entry.comparingByValue())
            .map(Map.Entry::getKey)
            .orElse(null);
    return new EtcdClusterStatus(out, leaderId);
  }

  /**
   * A client that answers: the spec's shared client, or, when the endpoint it picked does not
   * answer (the gate runs exactly when a member may be dead), one client per endpoint in turn.
   */
  private Client answering(EtcdSpec spec) {
    Client c = clients.forSpec(spec);
    try {
      call(c.getClusterClient().listMember(), "member list", timeoutMillis);
      return c;
    } catch (ApplicationFailure f) {
      // The next attempt gets a client whose channels start afresh (see EtcdClients).
      clients.reconnect(spec.endpoints(), EtcdClients.tls(spec), c);
      for (String e : spec.endpoints()) {
        try {
          call(
              onEndpoint(e, spec, one -> one.getClusterClient().listMember()),
              "member list through " + e,
              timeoutMillis);
          return clients.forEndpoints(List.of(e), EtcdClients.tls(spec));
        } catch (ApplicationFailure next) {
          // this endpoint does not answer either; try the next
        }
      }
      throw f;
    }
  }

  private static long remaining(long deadlineNanos) {
    return Math.max(1, deadlineNanos - System.nanoTime());
  }

  // ---- gate and repair ----------------------------------------------------------------------

  @Override
  public GateResult gate(GateRequest request) {
    validUrl(request.peerUrl());
    EtcdClusterStatus status = observe(request.etcd());
    Set<String> voters = new HashSet<>();
    status.voters().forEach(v -> voters.addAll(v.peerUrls()));
    int pending = (int) request.pendingPeerUrls().stream().filter(p -> !voters.contains(p)).count();
    int target = status.voters().size() + pending;
    QuorumGate.Verdict verdict =
        QuorumGate.evaluate(
            status, new QuorumGate.Change(request.peerUrl(), target, request.allowEvenSize()));
    String table = status.table();
    if (!verdict.allowed()) {
      gateRefused.increment();
      LOG.warn(
          "quorum gate refused cluster={} member={}: {}",
          request.cluster(),
          request.node(),
          verdict.message());
      throw failure(
          "etcd quorum gate refused adding " + request.node() + ": " + verdict.message(),
          FailureTypes.QUORUM_GATE_REFUSED,
          true,
          table);
    }
    gatePassed.increment();
    List<String> initial =
        status.members().stream()
            .filter(EtcdMemberStatus::started)
            .map(m -> m.name() + "=" + m.peerUrl())
            .toList();
    return new GateResult(
        verdict.alreadyMember(),
        (verdict.alreadyMember() ? request.node() + " is " : "") + verdict.message(),
        table,
        attempt(),
        verdict.warnings(),
        initial);
  }

  @Override
  public StepOutcome repair(RepairRequest request) {
    List<String> removed = new ArrayList<>();
    Set<String> owned = Set.copyOf(request.ownedPeerUrls());
    for (int round = 0; round < 8; round++) {
      EtcdClusterStatus status = observe(request.etcd());
      List<EtcdMemberStatus> stale = QuorumGate.staleOwned(status, owned);
      if (stale.isEmpty()) {
        break;
      }
      EtcdMemberStatus m = stale.get(0);
      removeById(request.etcd(), m.id(), m.label());
      removed.add(
          m.label() + (m.learner() ? " (learner)" : " (" + String.join("; ", m.problems()) + ")"));
      LOG.info("removed stale etcd member cluster={} member={}", request.cluster(), m.label());
    }
    return removed.isEmpty()
        ? StepOutcome.alreadyDone("no stale member of this operation", "", attempt())
        : StepOutcome.did("removed stale members: " + String.join(", ", removed), "", attempt());
  }

  // ---- membership changes ------------------------------------------------------------------

  @Override
  public MemberResult addLearner(MemberRequest request) {
    validUrl(request.peerUrl());
    if (via(request.etcd()) != null) {
      return viaNodes.addLearner(request);
    }
    Client c = clients.forSpec(request.etcd());
    List<Member> members =
        call(c.getClusterClient().listMember(), "member list", timeoutMillis).getMembers();
    Member existing = byPeer(members, request.peerUrl());
    if (existing != null) {
      return LearnerResults.alreadyMember(
          request, hex(existing.getId()), existing.isLearner(), initialCluster(members, request));
    }
    MemberAddResponse r =
        call(
            c.getClusterClient().addMember(List.of(URI.create(request.peerUrl())), true),
            "add learner " + request.peerUrl(),
            timeoutMillis);
    String id = hex(r.getMember().getId());
    LOG.info(
        "added etcd learner cluster={} member={} id={} peer={}",
        request.cluster(),
        request.name(),
        id,
        request.peerUrl());
    return LearnerResults.added(request, id, initialCluster(r.getMembers(), request));
  }

  private static List<String> initialCluster(List<Member> members, MemberRequest self) {
    return LearnerResults.initialCluster(
        members,
        m -> m.getPeerURIs().isEmpty() ? null : m.getPeerURIs().get(0).toString(),
        Member::getName,
        self);
  }

  @Override
  public StepOutcome awaitCaughtUp(CatchUpRequest request) {
    if (via(request.etcd()) != null) {
      return viaNodes.awaitCaughtUp(request);
    }
    long stopAt = request.deadlineMillis() - 1000;
    String last = "not observed yet";
    while (true) {
      Client c = clients.forSpec(request.etcd());
      String observed;
      try {
        List<Member> members =
            call(c.getClusterClient().listMember(), "member list", timeoutMillis).getMembers();
        Member m = byPeer(members, request.peerUrl());
        if (m == null) {
          throw failure(
              request.name() + " (" + request.peerUrl() + ") is not a member: nothing to wait for",
              FailureTypes.ETCD_MEMBER_MISSING,
              true,
              "");
        }
        if (!m.isLearner()) {
          return StepOutcome.alreadyDone(request.name() + " is already a voter", "", attempt());
        }
        StatusResponse learner =
            call(
                c.getMaintenanceClient().statusMember(request.clientUrl()),
                "status of learner " + request.name(),
                timeoutMillis);
        Member leader =
            learner.getLeader() == 0
                ? null
                : members.stream()
                    .filter(x -> x.getId() == learner.getLeader())
                    .findFirst()
                    .orElse(null);
        if (leader == null || leader.getClientURIs().isEmpty()) {
          observed =
              "learner answers (raft index " + learner.getRaftIndex() + ") but sees no leader";
        } else {
          StatusResponse ls =
              call(
                  c.getMaintenanceClient().statusMember(leader.getClientURIs().get(0).toString()),
                  "status of leader " + leader.getName(),
                  timeoutMillis);
          long lag = ls.getRaftIndex() - learner.getRaftIndex();
          observed =
              "learner raft index "
                  + learner.getRaftIndex()
                  + ", leader "
                  + leader.getName()
                  + " "
                  + ls.getRaftIndex()
                  + " (lag "
                  + lag
                  + ", bound "
                  + request.maxRaftLag()
                  + ")";
          if (lag <= request.maxRaftLag()) {
            LOG.info(
                "etcd learner caught up cluster={} member={}: {}",
                request.cluster(),
                request.name(),
                observed);
            return StepOutcome.did(request.name() + " caught up: " + observed, "", attempt());
          }
        }
      } catch (ApplicationFailure f) {
        if (!FailureTypes.ETCD_UNAVAILABLE.equals(f.getType())
            && !FailureTypes.ETCD_ERROR.equals(f.getType())) {
          throw f;
        }
        if (FailureTypes.ETCD_UNAVAILABLE.equals(f.getType())) {
          // The next poll goes through new channels, not through one waiting out its backoff.
          clients.reconnect(request.etcd().endpoints(), EtcdClients.tls(request.etcd()), c);
        }
        observed = f.getOriginalMessage();
      }
      last = observed;
      EtcdFailures.nextCatchUpPoll(request.name(), last, stopAt);
    }
  }

  @Override
  public StepOutcome promote(MemberRequest request) {
    if (via(request.etcd()) != null) {
      return viaNodes.promote(request);
    }
    Client c = clients.forSpec(request.etcd());
    Member m = memberByPeer(c, request.peerUrl());
    if (m == null) {
      throw failure(
          request.name() + " (" + request.peerUrl() + ") is not a member: cannot promote",
          FailureTypes.ETCD_MEMBER_MISSING,
          true,
          "");
    }
    if (!m.isLearner()) {
      return StepOutcome.alreadyDone(
          request.name() + " (" + hex(m.getId()) + ") is already a voter", "", attempt());
    }
    call(c.getClusterClient().promoteMember(m.getId()), "promote " + request.name(), timeoutMillis);
    LOG.info(
        "promoted etcd member cluster={} member={} id={}",
        request.cluster(),
        request.name(),
        hex(m.getId()));
    return StepOutcome.did(
        "promoted " + request.name() + " (" + hex(m.getId()) + ") to voter", "", attempt());
  }

  @Override
  public StepOutcome remove(MemberRequest request) {
    if (via(request.etcd()) != null) {
      return viaNodes.remove(request);
    }
    Client c = clients.forSpec(request.etcd());
    Member m = memberByPeer(c, request.peerUrl());
    if (m == null) {
      return StepOutcome.alreadyDone(
          request.name() + " (" + request.peerUrl() + ") is not a member", "", attempt());
    }
    String moved = "";
    if (!m.isLearner()) {
      EtcdClusterStatus status = observe(request.etcd());
      if (hex(m.getId()).equals(status.leaderId())) {
        moved = moveLeaderAway(request.etcd(), status, null).summary() + "; ";
      }
    }
    removeById(request.etcd(), hex(m.getId()), request.name());
    return StepOutcome.did(
        moved + "removed " + request.name() + " (" + hex(m.getId()) + ") from etcd", "", attempt());
  }

  void removeById(EtcdSpec spec, String id, String label) {
    if (via(spec) != null) {
      viaNodes.removeById(spec, id);
      return;
    }
    try {
      call(
          clients.forSpec(spec).getClusterClient().removeMember(Long.parseUnsignedLong(id, 16)),
          "remove " + label,
          timeoutMillis);
    } catch (ApplicationFailure f) {
      if (!FailureTypes.ETCD_MEMBER_MISSING.equals(f.getType())) {
        throw f;
      }
    }
  }

  @Override
  public StepOutcome moveLeader(MoveLeaderRequest request) {
    return moveLeaderAway(request.etcd(), observe(request.etcd()), request.toPeerUrl());
  }

  private StepOutcome moveLeaderAway(EtcdSpec spec, EtcdClusterStatus status, String toPeerUrl) {
    if (via(spec) != null) {
      return viaNodes.moveLeader(spec, status, toPeerUrl);
    }
    LeaderMove move = LeaderMove.plan(status, toPeerUrl);
    EtcdMemberStatus leader = move.leader();
    EtcdMemberStatus to = move.to();
    if (move.done()) {
      return StepOutcome.alreadyDone(to.label() + " already leads", "", attempt());
    }
    // MoveLeader must be sent to the current leader.
    call(
        onEndpoint(
            leader.clientUrl(),
            spec,
            onLeader ->
                onLeader.getMaintenanceClient().moveLeader(Long.parseUnsignedLong(to.id(), 16))),
        "move leader to " + to.name(),
        timeoutMillis);
    LOG.info("moved etcd leadership from={} to={}", leader.name(), to.name());
    return StepOutcome.did(
        "moved leadership from " + leader.name() + " to " + to.name(), "", attempt());
  }

  // ---- verification ------------------------------------------------------------------------

  @Override
  public HealthResult verifyHealthy(ClusterRequest request) {
    EtcdClusterStatus status = observe(request.etcd());
    List<String> problems = new ArrayList<>();
    for (EtcdMemberStatus m : status.members()) {
      if (m.learner()) {
        problems.add(
            m.label()
                + " is still a learner (if a crashed join left it: graft remove"
                + " --clean-orphans removes it by id once an operator approves)");
      } else if (!m.healthy()) {
        problems.add(m.label() + ": " + String.join("; ", m.problems()));
      }
    }
    if (!problems.isEmpty()) {
      throw failure(
          "etcd is not healthy: " + String.join(", ", problems),
          FailureTypes.ETCD_UNHEALTHY,
          false,
          status.table());
    }
    List<String> urls =
        status.members().stream().map(EtcdMemberStatus::clientUrl).sorted().toList();
    List<String> names = status.members().stream().map(EtcdMemberStatus::name).toList();
    return new HealthResult(
        false,
        status.members().size()
            + " healthy voters ("
            + String.join(", ", names)
            + "), every endpoint healthy",
        urls,
        status.table(),
        attempt());
  }

  @Override
  public StepOutcome verifyVoter(MemberRequest request) {
    EtcdClusterStatus status = observe(request.etcd());
    EtcdMemberStatus m = status.byPeerUrl(request.peerUrl()).orElse(null);
    if (m == null) {
      throw failure(
          "etcd has no member with peer URL " + request.peerUrl() + " (" + request.name() + ")",
          FailureTypes.ETCD_MEMBER_NOT_HEALTHY_VOTER,
          true,
          status.table());
    }
    if (m.learner()) {
      throw failure(
          m.label() + " is still a learner",
          FailureTypes.ETCD_MEMBER_NOT_YET_VOTER,
          false,
          status.table());
    }
    if (!m.healthy()) {
      throw failure(
          m.label() + " is unhealthy: " + String.join("; ", m.problems()),
          FailureTypes.ETCD_MEMBER_UNHEALTHY,
          false,
          status.table());
    }
    return StepOutcome.did(m.label() + " is a healthy voter", status.table(), attempt());
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** The member with this peer URL as etcd lists it now, or null. */
  private Member memberByPeer(Client c, String peerUrl) {
    return byPeer(
        call(c.getClusterClient().listMember(), "member list", timeoutMillis).getMembers(),
        peerUrl);
  }

  private static Member byPeer(List<Member> members, String peerUrl) {
    for (Member m : members) {
      for (URI u : m.getPeerURIs()) {
        if (u.toString().equals(peerUrl)) {
          return m;
        }
      }
    }
    return null;
  }

  private static List<String> urls(List<URI> uris) {
    return uris.stream().map(URI::toString).toList();
  }

  static String hex(long id) {
    return Long.toHexString(id);
  }

  private static void validUrl(String url) {
    if (url == null || !MEMBER_URL.matcher(url).matches()) {
      throw failure(
          "'"
              + url
              + "' is not a member URL (https://<IPv4 or DNS name>:<port>; http for clusters without TLS)",
          FailureTypes.INVALID_INPUT,
          true,
          "");
    }
  }
}
