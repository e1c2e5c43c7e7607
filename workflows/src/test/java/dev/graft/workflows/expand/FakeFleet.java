package dev.graft.workflows.expand;

import dev.graft.workflows.join.CheckResult;
import dev.graft.workflows.join.HostActivities;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.join.JoinRequest;
import dev.graft.workflows.join.KubeadmActivities;
import dev.graft.workflows.join.NodeObjectActivities;
import dev.graft.workflows.join.NodeObjectRequest;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.join.PrecheckRequest;
import dev.graft.workflows.join.ReachResult;
import dev.graft.workflows.join.ReadyRequest;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.routing.AllocationRequest;
import dev.graft.workflows.routing.AllocationResult;
import dev.graft.workflows.routing.ClusterRequest;
import dev.graft.workflows.routing.CniDetection;
import dev.graft.workflows.routing.NodePodCidr;
import dev.graft.workflows.routing.NodeRoutesRequest;
import dev.graft.workflows.routing.NodeRoutingActivities;
import dev.graft.workflows.routing.PairResult;
import dev.graft.workflows.routing.PodNetworkApiActivities;
import dev.graft.workflows.routing.ProbeTarget;
import dev.graft.workflows.routing.VerifyRequest;
import dev.graft.workflows.routing.VerifyResult;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful fake of a whole cluster as an expansion sees it: hosts (reach, pre-checks,
 * provisioning, kubeadm), the API (Node objects, readiness, pod CIDRs) and the nodes' routes. It
 * keeps state so that steps are idempotent against it, records every call in order, measures how
 * many joins run at once, and fails named steps on named nodes on demand.
 */
final class FakeFleet
    implements HostActivities,
        NodeObjectActivities,
        KubeadmActivities,
        PodNetworkApiActivities,
        NodeRoutingActivities,
        VerifyActivities {
  /** Every call, in the order the fake saw them: "precheck n1", "join n1", "routes n1" ... */
  final List<String> events = Collections.synchronizedList(new ArrayList<>());

  final Set<String> registered = ConcurrentHashMap.newKeySet();
  final Set<String> joined = ConcurrentHashMap.newKeySet();

  /** The cluster's stacked etcd (register it with the fleet): a control-plane join adds a voter. */
  final FakeStackedEtcd etcd = new FakeStackedEtcd(this::record, this::maybeFail);

  final Map<String, String> podCidrs = new ConcurrentHashMap<>();
  final Map<String, Integer> routesPerNode = new ConcurrentHashMap<>();

  /** Pre-checks that fail (non-retryable, as the real ones do), by node. */
  final Set<String> failingPrechecks = ConcurrentHashMap.newKeySet();

  /** "step/node" -> how many more calls fail (retryable). */
  final Map<String, AtomicInteger> failNext = new ConcurrentHashMap<>();

  final AtomicInteger joinsRunning = new AtomicInteger();
  final AtomicInteger maxJoinsRunning = new AtomicInteger();
  final AtomicInteger controlPlaneJoinsRunning = new AtomicInteger();
  final AtomicInteger maxControlPlaneJoinsRunning = new AtomicInteger();
  volatile long joinMillis;
  volatile boolean quiet;
  private final AtomicInteger nextBlock = new AtomicInteger(100);

  /** Nodes that exist before the expansion: registered, joined, Ready, with a pod CIDR. */
  void existing(String... names) {
    for (String n : names) {
      registered.add(n);
      joined.add(n);
      podCidrs.put(n, "10.64." + nextBlock.getAndIncrement() % 256 + ".0/24");
    }
  }

  private static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  private void record(String event) {
    if (!quiet) {
      events.add(event);
    }
  }

  private void maybeFail(String step, String node) {
    AtomicInteger left = failNext.get(step + "/" + node);
    if (left != null && left.getAndDecrement() > 0) {
      throw ApplicationFailure.newFailureWithCause(
          step + " on " + node + " failed (injected)",
          "Injected",
          null,
          new StepFailureDetails("injected failure", "see the fake", attempt()));
    }
  }

  @Override
  public ReachResult reach(HostRequest request) {
    record("reach " + request.node().name());
    maybeFail("reach", request.node().name());
    return new ReachResult(request.node().name(), "6.1.0", "SHA256:fake", false, attempt());
  }

  @Override
  public PrecheckReport precheck(PrecheckRequest request) {
    String n = request.node().name();
    record("precheck " + n);
    maybeFail("precheck", n);
    if (failingPrechecks.contains(n)) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          n + ": 1 pre-check failed: swap is on",
          "PrecheckFailed",
          null,
          new StepFailureDetails("FAIL  swap: /swapfile", "swapoff -a", attempt()));
    }
    return new PrecheckReport(
        n, List.of(new CheckResult("swap", true, false, "no swap", null)), attempt());
  }

  @Override
  public StepOutcome provision(HostRequest request) {
    record("provision " + request.node().name());
    return StepOutcome.did("provisioned", "", attempt());
  }

  @Override
  public StepOutcome register(NodeObjectRequest request) {
    String n = request.node().name();
    record("register " + n);
    maybeFail("register", n);
    return registered.add(n)
        ? StepOutcome.did("Node registered", "", attempt())
        : StepOutcome.alreadyDone("Node already registered", "", attempt());
  }

  @Override
  public StepOutcome join(JoinRequest request) {
    NodeSpec node = request.node();
    boolean cp = node.hasRole(Role.CONTROL_PLANE);
    int now = joinsRunning.incrementAndGet();
    maxJoinsRunning.accumulateAndGet(now, Math::max);
    if (cp) {
      maxControlPlaneJoinsRunning.accumulateAndGet(
          controlPlaneJoinsRunning.incrementAndGet(), Math::max);
    }
    try {
      record("join " + node.name());
      if (joinMillis > 0) {
        Thread.sleep(joinMillis);
      }
      maybeFail("join", node.name());
      if (!joined.add(node.name())) {
        return StepOutcome.alreadyDone("already joined", "", attempt());
      }
      if (cp && node.hasRole(Role.ETCD)) {
        etcd.voters.add(node.name());
      }
      return StepOutcome.did("joined", "kubeadm: This node has joined the cluster", attempt());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      joinsRunning.decrementAndGet();
      if (cp) {
        controlPlaneJoinsRunning.decrementAndGet();
      }
    }
  }

  @Override
  public StepOutcome awaitReady(ReadyRequest request) {
    String n = request.node().name();
    record("ready " + n);
    maybeFail("ready", n);
    if (!joined.contains(n)) {
      throw ApplicationFailure.newFailure(n + " not Ready: never joined", "NodeNotReady");
    }
    return StepOutcome.did("Ready", "", attempt());
  }

  @Override
  public StepOutcome delete(NodeObjectRequest request) {
    record("delete " + request.node().name());
    return registered.remove(request.node().name())
        ? StepOutcome.did("deleted", "", attempt())
        : StepOutcome.alreadyDone("no Node object", "", attempt());
  }

  @Override
  public StepOutcome reset(HostRequest request) {
    record("reset " + request.node().name());
    return joined.remove(request.node().name())
        ? StepOutcome.did("reset", "", attempt())
        : StepOutcome.alreadyDone("never joined", "", attempt());
  }

  @Override
  public StepOutcome pruneRuns(HostRequest request) {
    return StepOutcome.alreadyDone("no run directories", "", attempt());
  }

  @Override
  public CniDetection detectCni(ClusterRequest request) {
    return new CniDetection(null, null, "no route-managing CNI", attempt());
  }

  @Override
  public AllocationResult allocate(AllocationRequest request) {
    record("allocate " + request.nodes().size());
    List<NodePodCidr> out = new ArrayList<>();
    for (NodeSpec n : request.nodes()) {
      if (!registered.contains(n.name())) {
        throw ApplicationFailure.newNonRetryableFailure(
            n.name() + " is not registered", "NodeNotRegistered");
      }
      boolean now = !podCidrs.containsKey(n.name());
      String cidr =
          podCidrs.computeIfAbsent(
              n.name(),
              k ->
                  n.podCidr() != null
                      ? n.podCidr()
                      : "10.65." + nextBlock.getAndIncrement() % 256 + ".0/24");
      out.add(new NodePodCidr(n.name(), n.routeAddress(), cidr, now));
    }
    return new AllocationResult(out, false, "allocated", attempt());
  }

  @Override
  public StepOutcome program(NodeRoutesRequest request) {
    record("routes " + request.node().name());
    maybeFail("routes", request.node().name());
    routesPerNode.put(request.node().name(), request.routes().size());
    return StepOutcome.did(request.routes().size() + " routes", "", attempt());
  }

  @Override
  public VerifyResult verify(VerifyRequest request) {
    List<PairResult> pairs = new ArrayList<>();
    if (!request.unreachableOnly()) {
      for (ProbeTarget t : request.targets()) {
        pairs.add(new PairResult(request.source().name(), t.node(), t.address(), true, "ok"));
      }
    }
    return new VerifyResult(
        request.source().name(), pairs, request.targets().size() + " reachable", "", attempt());
  }

  @Override
  public StepOutcome nodesReady(NodesReadyRequest request) {
    record("verify-ready " + request.nodes().size());
    List<String> notReady = request.nodes().stream().filter(n -> !joined.contains(n)).toList();
    if (!notReady.isEmpty()) {
      throw ApplicationFailure.newFailure("not Ready: " + notReady, "NodesNotReady");
    }
    return StepOutcome.did(request.nodes().size() + " nodes Ready", "", attempt());
  }
}
