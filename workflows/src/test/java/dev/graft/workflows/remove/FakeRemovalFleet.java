package dev.graft.workflows.remove;

import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.plan.RemovalQuorum;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stateful fake of what a removal touches: Nodes (cordoned, pods), etcd members (id, peer URL,
 * health, learner) and the leader, each control plane's --etcd-servers, each host's pod routes and
 * kubeadm files, bootstrap tokens. Every change is recorded in order as "what node"; faults make a
 * call fail after (or before) it changed something, as a lost answer would.
 */
final class FakeRemovalFleet
    implements RemovalHostActivities, RemovalApiActivities, RemovalEtcdActivities {
  static final class Member {
    final String id;
    final String name;
    final String peerUrl;
    volatile boolean healthy = true;
    volatile boolean learner;

    Member(String id, String name, String peerUrl) {
      this.id = id;
      this.name = name;
      this.peerUrl = peerUrl;
    }
  }

  final Map<String, ObservedNode> nodes = new ConcurrentHashMap<>();
  final Set<String> notReady = ConcurrentHashMap.newKeySet();
  final Set<String> cordoned = ConcurrentHashMap.newKeySet();
  final Map<String, List<String>> pods = new ConcurrentHashMap<>();
  final Map<String, Member> members = Collections.synchronizedMap(new LinkedHashMap<>());
  volatile String leaderId;
  final Map<String, List<String>> etcdServers = new ConcurrentHashMap<>();

  /** host → pod CIDRs it routes to ("cidr via address"). */
  final Map<String, Set<String>> routes = new ConcurrentHashMap<>();

  final Map<String, List<String>> kubeadmFiles = new ConcurrentHashMap<>();
  final Set<String> tokens = ConcurrentHashMap.newKeySet();
  final List<String> mutations = Collections.synchronizedList(new ArrayList<>());

  /** Leader ids, in the order the leadership changed (the first one is the starting leader). */
  final List<String> leaders = Collections.synchronizedList(new ArrayList<>());

  /** "step node" → how many more calls do their work and then fail (the answer lost). */
  final Map<String, Integer> failAfter = new ConcurrentHashMap<>();

  /** Nodes whose drain is blocked by a budget (DrainBlocked, non-retryable). */
  final Set<String> drainBlocked = ConcurrentHashMap.newKeySet();

  private static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  void leader(String id) {
    leaderId = id;
    leaders.add(id);
  }

  private void lostAnswer(String step, String node) {
    String key = step + " " + node;
    Integer left = failAfter.get(key);
    if (left != null && left > 0) {
      failAfter.put(key, left - 1);
      throw ApplicationFailure.newFailure(
          step + " on " + node + ": connection lost before the answer (injected)",
          "EtcdUnavailable");
    }
  }

  // ---- etcd ----------------------------------------------------------------------------------

  List<EtcdMember> memberList() {
    synchronized (members) {
      return members.values().stream()
          .map(m -> new EtcdMember(m.name, m.id, m.peerUrl, m.healthy, m.learner))
          .toList();
    }
  }

  @Override
  public EtcdFacts observe(ClusterRequest request) {
    List<EtcdMember> list = memberList();
    StringBuilder t = new StringBuilder();
    list.forEach(
        m ->
            t.append(m.name())
                .append(' ')
                .append(m.id())
                .append(m.learner() ? " learner" : " voter")
                .append(m.id().equals(leaderId) ? " leader" : "")
                .append('\n'));
    return new EtcdFacts(
        list, leaderId, t.toString(), list.size() + " members, leader " + leaderId, attempt());
  }

  @Override
  public StepOutcome moveLeaderOff(MemberIdRequest r) {
    if (!r.memberId().equals(leaderId)) {
      return StepOutcome.alreadyDone(
          r.name() + " does not lead (leader " + leaderId + ")", "", attempt());
    }
    Member to;
    synchronized (members) {
      to =
          members.values().stream()
              .filter(
                  m ->
                      !m.learner
                          && m.healthy
                          && !m.id.equals(r.memberId())
                          && !r.avoid().contains(m.id))
              .findFirst()
              .orElseThrow(
                  () ->
                      ApplicationFailure.newNonRetryableFailure(
                          "no other healthy voter", "EtcdUnhealthyCluster"));
    }
    String before = leaderId;
    leader(to.id);
    mutations.add("move-leader " + r.name());
    return StepOutcome.did("leader " + before + " -> " + to.id, "", attempt());
  }

  @Override
  public StepOutcome removeMember(MemberIdRequest r) {
    Member m = members.get(r.memberId());
    if (m == null) {
      return StepOutcome.alreadyDone("member " + r.memberId() + " is not a member", "", attempt());
    }
    if (r.peerUrl() != null && !r.peerUrl().equals(m.peerUrl)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "id carries another peer URL", "EtcdMemberIdMismatch");
    }
    List<RemovalQuorum.Voter> voters =
        memberList().stream()
            .map(x -> new RemovalQuorum.Voter(x.id(), x.name(), x.healthy(), x.learner()))
            .toList();
    RemovalQuorum.Projection p =
        RemovalQuorum.one(
            voters,
            voters.stream().filter(v -> v.id().equals(r.memberId())).findFirst().orElseThrow(),
            r.acceptNoFaultTolerance());
    if (!p.allowed()) {
      throw ApplicationFailure.newNonRetryableFailure(p.message(), "RemovalLosesQuorum");
    }
    if (m.id.equals(leaderId)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "removing the leader without moving it first", "FakeLeaderRemoved");
    }
    members.remove(r.memberId());
    mutations.add("member-remove " + r.memberId());
    lostAnswer("member-remove", r.memberId());
    return StepOutcome.did("removed " + r.memberId(), "", attempt());
  }

  // ---- API ------------------------------------------------------------------------------------

  @Override
  public NodeFacts nodes(ClusterNodesRequest request) {
    List<ObservedNode> list = new ArrayList<>(nodes.values());
    List<String> ready =
        list.stream().map(ObservedNode::name).filter(n -> !notReady.contains(n)).toList();
    return new NodeFacts(list, ready, list.size() + " Nodes", attempt());
  }

  @Override
  public StepOutcome drain(RemovalNodeRequest r) {
    String n = r.node().name();
    if (!nodes.containsKey(n)) {
      return StepOutcome.alreadyDone("Node " + n + " is gone", "", attempt());
    }
    if (cordoned.add(n)) {
      mutations.add("cordon " + n);
    }
    if (drainBlocked.contains(n)) {
      throw ApplicationFailure.newNonRetryableFailure(
          n + ": drain blocked by budget", "DrainBlocked");
    }
    List<String> left = pods.getOrDefault(n, List.of());
    if (left.isEmpty()) {
      return StepOutcome.alreadyDone(n + " is drained", "", attempt());
    }
    pods.put(n, List.of());
    mutations.add("drain " + n);
    lostAnswer("drain", n);
    return StepOutcome.did("evicted " + left, "", attempt());
  }

  @Override
  public StepOutcome podsLeft(RemovalNodeRequest r) {
    return StepOutcome.did(
        "not drained: pods left " + pods.getOrDefault(r.node().name(), List.of()), "", attempt());
  }

  @Override
  public StepOutcome deleteNode(RemovalNodeRequest r) {
    if (nodes.remove(r.node().name()) == null) {
      return StepOutcome.alreadyDone("no Node " + r.node().name(), "", attempt());
    }
    mutations.add("node-delete " + r.node().name());
    return StepOutcome.did("deleted", "", attempt());
  }

  @Override
  public StepOutcome revokeTokens(RemovalNodeRequest r) {
    if (tokens.remove(r.node().name())) {
      mutations.add("token-delete " + r.node().name());
      return StepOutcome.did("revoked", "", attempt());
    }
    return StepOutcome.alreadyDone("none", "", attempt());
  }

  @Override
  public StepOutcome uncordon(RemovalNodeRequest r) {
    if (cordoned.remove(r.node().name())) {
      mutations.add("uncordon " + r.node().name());
    }
    return StepOutcome.did("uncordoned", "", attempt());
  }

  // ---- hosts ----------------------------------------------------------------------------------

  @Override
  public HostFacts observe(RemovalHostRequest r) {
    return new HostFacts(
        r.node().name(), kubeadmFiles.getOrDefault(r.node().name(), List.of()), "", attempt());
  }

  @Override
  public StepOutcome reset(RemovalHostRequest r) {
    String n = r.node().name();
    if (kubeadmFiles.getOrDefault(n, List.of()).isEmpty()) {
      return StepOutcome.alreadyDone("nothing of kubeadm's on " + n, "", attempt());
    }
    if (members.values().stream()
        .anyMatch(m -> m.peerUrl.contains("//" + r.node().address() + ":"))) {
      throw ApplicationFailure.newNonRetryableFailure(
          "reset would wipe a member still in etcd", "FakeResetTooEarly");
    }
    kubeadmFiles.put(n, List.of());
    mutations.add("reset " + n);
    return StepOutcome.did("reset; left: /etc/cni/net.d, iptables", "", attempt());
  }

  @Override
  public StepOutcome dropEtcdServers(EtcdServersRequest r) {
    String cp = r.controlPlane().name();
    List<String> cur = etcdServers.getOrDefault(cp, List.of());
    List<String> next = cur.stream().filter(u -> !r.drop().contains(u)).toList();
    if (next.equals(cur)) {
      return StepOutcome.alreadyDone("unchanged", "", attempt());
    }
    etcdServers.put(cp, next.isEmpty() ? r.fallback() : next);
    mutations.add("etcd-servers " + cp);
    return StepOutcome.did("now " + etcdServers.get(cp), "", attempt());
  }

  @Override
  public StepOutcome dropRoutes(RouteDropRequest r) {
    Set<String> mine = routes.getOrDefault(r.on().name(), new LinkedHashSet<>());
    if (mine.remove(r.goneCidr() + " via " + r.goneAddress())) {
      mutations.add("route-drop " + r.on().name() + " " + r.goneNode());
      return StepOutcome.did("dropped", "", attempt());
    }
    return StepOutcome.alreadyDone("no route", "", attempt());
  }

  @Override
  public StepOutcome cleanPodNetwork(RemovalHostRequest r) {
    Set<String> mine = routes.get(r.node().name());
    if (mine == null || mine.isEmpty()) {
      return StepOutcome.alreadyDone("none", "", attempt());
    }
    mine.clear();
    mutations.add("pod-network-clean " + r.node().name());
    return StepOutcome.did("cleaned", "", attempt());
  }

  /** A cluster as the fixtures describe it: every node a Ready Node with routes to all others. */
  static FakeRemovalFleet of(dev.graft.workflows.model.ClusterSpec c, String leaderName) {
    FakeRemovalFleet f = new FakeRemovalFleet();
    int i = 0;
    for (var n : c.nodes()) {
      i++;
      String cidr = "10.244." + i + ".0/24";
      f.nodes.put(n.name(), new ObservedNode(n.name(), n.address(), n.roles(), cidr));
      f.pods.put(n.name(), new ArrayList<>(List.of("default/app-" + n.name())));
      f.kubeadmFiles.put(n.name(), List.of("/etc/kubernetes/kubelet.conf"));
      f.tokens.add(n.name());
      if (n.hasRole(Role.ETCD)) {
        String id = Integer.toHexString(0xa0 + i);
        f.members.put(id, new Member(id, n.name(), "https://" + n.address() + ":2380"));
        if (n.name().equals(leaderName)) {
          f.leader(id);
        }
      }
      if (n.hasRole(Role.CONTROL_PLANE)) {
        f.etcdServers.put(n.name(), new ArrayList<>(List.of("https://127.0.0.1:2379")));
      }
    }
    int j = 0;
    for (var n : c.nodes()) {
      j++;
      Set<String> r = ConcurrentHashMap.newKeySet();
      int k = 0;
      for (var o : c.nodes()) {
        k++;
        if (k != j) {
          r.add("10.244." + k + ".0/24 via " + o.address());
        }
      }
      f.routes.put(n.name(), r);
    }
    return f;
  }

  /** The plan's input for removing {@code names}, read from the fake as the server would. */
  RemovalInput input(
      dev.graft.workflows.model.ClusterSpec c, List<String> names, boolean cleanOrphans) {
    return new RemovalInput(
        c,
        names,
        false,
        new ArrayList<>(nodes.values()),
        nodes.keySet().stream().filter(n -> !notReady.contains(n)).toList(),
        memberList(),
        leaderId,
        java.time.Duration.ofMinutes(1),
        cleanOrphans,
        false);
  }
}
