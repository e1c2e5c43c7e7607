package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.Cidr;
import dev.graft.workflows.plan.Route;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful fake of the API and the nodes' routing tables. Allocation uses the real allocator
 * against the fake's Node objects; programming applies the difference to a per-node table and
 * records each change; verification derives reachability from those tables (a route out, a route
 * back, the bridge up on both ends), so a missing route shows as an unreachable pair.
 */
final class FakePodNetwork implements PodNetworkApiActivities, NodeRoutingActivities {
  /** Registered Nodes and their spec.podCIDR ("" when none). */
  final Map<String, String> nodes = new ConcurrentHashMap<>();

  final Map<String, Map<String, String>> routes = new ConcurrentHashMap<>();
  final Set<String> bridged = ConcurrentHashMap.newKeySet();
  final Set<String> blockedPairs = ConcurrentHashMap.newKeySet();
  final List<String> mutations = Collections.synchronizedList(new ArrayList<>());
  final Map<String, AtomicInteger> failNext = new ConcurrentHashMap<>();
  volatile String cni;
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger maxRunning = new AtomicInteger();
  volatile long programMillis = 0;

  void register(String... names) {
    for (String n : names) {
      nodes.putIfAbsent(n, "");
    }
  }

  private static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  private void maybeFail(String step, String node) {
    AtomicInteger left = failNext.get(step + "/" + node);
    if (left != null && left.getAndDecrement() > 0) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          step + " on " + node + " failed (injected)",
          "Injected",
          null,
          new StepFailureDetails("injected failure", "see the fake", attempt()));
    }
  }

  @Override
  public CniDetection detectCni(ClusterRequest request) {
    return cni == null
        ? new CniDetection(
            null, null, "no route-managing CNI: Graft programs the routes", attempt())
        : new CniDetection(
            cni,
            "DaemonSet kube-system/" + cni,
            cni + " manages pod routes: Graft skips route programming",
            attempt());
  }

  @Override
  public AllocationResult allocate(AllocationRequest request) {
    List<PodCidrAllocator.Held> held = new ArrayList<>();
    nodes.forEach((n, c) -> held.add(new PodCidrAllocator.Held(n, c)));
    List<PodCidrAllocator.Wanted> wanted = new ArrayList<>();
    for (NodeSpec n : request.nodes()) {
      if (!nodes.containsKey(n.name())) {
        throw ApplicationFailure.newNonRetryableFailure(
            n.name() + " is not registered", "NodeNotRegistered");
      }
      if (nodes.get(n.name()).isEmpty()) {
        wanted.add(new PodCidrAllocator.Wanted(n.name(), n.podCidr()));
      }
    }
    Map<String, String> got;
    try {
      got =
          PodCidrAllocator.allocate(
              request.podNetwork().cidr(), request.podNetwork().nodeMask(), held, wanted);
    } catch (AllocationException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), e.type());
    }
    got.forEach(
        (n, c) -> {
          nodes.put(n, c);
          mutations.add("podCIDR " + n + " " + c);
        });
    List<NodePodCidr> out = new ArrayList<>();
    new TreeMap<>(nodes)
        .forEach(
            (n, c) -> {
              NodeSpec spec =
                  request.nodes().stream().filter(s -> s.name().equals(n)).findFirst().orElse(null);
              out.add(
                  new NodePodCidr(
                      n, RoutePlan.nodeIp(spec, null), c.isEmpty() ? null : c, got.containsKey(n)));
            });
    return new AllocationResult(
        out,
        got.isEmpty(),
        got.isEmpty() ? "every node has its pod CIDR" : "allocated " + got,
        attempt());
  }

  @Override
  public StepOutcome program(NodeRoutesRequest request) {
    String node = request.node().name();
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      if (programMillis > 0) {
        Thread.sleep(programMillis);
      }
      maybeFail("routes", node);
      List<String> changes = new ArrayList<>();
      if (bridged.add(node)) {
        changes.add("cbr0 " + RoutePlan.bridgeAddress(request.podCidr()));
      }
      Map<String, String> table = routes.computeIfAbsent(node, k -> new ConcurrentHashMap<>());
      Map<String, String> want = new TreeMap<>();
      for (Route r : request.routes()) {
        want.put(r.destination(), r.via());
      }
      for (String dst : new ArrayList<>(table.keySet())) {
        if (!want.containsKey(dst)) {
          table.remove(dst);
          changes.add("route del " + dst);
        }
      }
      want.forEach(
          (dst, via) -> {
            if (!via.equals(table.get(dst))) {
              table.put(dst, via);
              changes.add("route " + dst + " via " + via);
            }
          });
      changes.forEach(c -> mutations.add(node + ": " + c));
      return changes.isEmpty()
          ? StepOutcome.alreadyDone(
              "routes to " + want.size() + " node(s) already in place", "", attempt())
          : StepOutcome.did(String.join(", ", changes), "", attempt());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      running.decrementAndGet();
    }
  }

  private String ownerOf(String address) {
    long a = Cidr.parseAddress(address);
    return nodes.entrySet().stream()
        .filter(e -> !e.getValue().isEmpty() && Cidr.parse(e.getValue()).contains(a))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(null);
  }

  private boolean routed(String from, String to) {
    String cidr = nodes.get(to);
    return routes.getOrDefault(from, Map.of()).containsKey(cidr);
  }

  @Override
  public VerifyResult verify(VerifyRequest request) {
    String from = request.source().name();
    List<PairResult> pairs = new ArrayList<>();
    for (ProbeTarget t : request.targets()) {
      String owner = ownerOf(t.address());
      boolean ok =
          owner != null
              && bridged.contains(from)
              && bridged.contains(owner)
              && routed(from, owner)
              && routed(owner, from)
              && !blockedPairs.contains(from + ">" + owner);
      pairs.add(
          new PairResult(from, t.node(), t.address(), ok, ok ? "3/3 replies" : "0/3 replies"));
    }
    List<String> bad =
        pairs.stream().filter(p -> !p.reachable()).map(p -> p.to() + " " + p.address()).toList();
    if (!bad.isEmpty()) {
      throw ApplicationFailure.newFailureWithCause(
          from + ": unreachable: " + bad,
          "PodNetworkUnreachable",
          null,
          new StepFailureDetails(String.join("\n", bad), "check routes", attempt()));
    }
    // Every pair is reachable here: a compact row lists none of them, as the real probe's does.
    return new VerifyResult(
        from,
        request.unreachableOnly() ? List.of() : pairs,
        pairs.size() + " reachable",
        "",
        attempt());
  }
}
