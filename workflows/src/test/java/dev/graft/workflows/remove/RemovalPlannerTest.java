package dev.graft.workflows.remove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.NodeRemoval;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.RemovalPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The removal planner and its quorum projection, as decision tables. */
class RemovalPlannerTest {
  static ClusterSpec cluster(int cp, int workers) {
    List<NodeSpec> nodes = new ArrayList<>();
    for (int i = 1; i <= cp + workers; i++) {
      List<Role> roles = i <= cp ? List.of(Role.CONTROL_PLANE, Role.ETCD) : List.of(Role.WORKER);
      nodes.add(
          new NodeSpec("node" + i, "10.0.0." + (10 + i), null, roles, null, null, null, null));
    }
    return new ClusterSpec(
        "prod",
        "https://10.0.0.11:6443",
        "/etc/graft/prod.conf",
        "v1.31.0",
        new PodNetwork("10.244.0.0/16", 24),
        "10.96.0.0/12",
        new EtcdSpec(EtcdTopology.STACKED, List.of(), "/pki/ca.crt", "/pki/c.crt", "/pki/c.key"),
        null,
        nodes,
        null);
  }

  private static RemovalPlan plan(
      ClusterSpec c, String leader, Set<String> dead, String... remove) {
    FakeRemovalFleet f = FakeRemovalFleet.of(c, leader);
    f.members.values().forEach(m -> m.healthy = !dead.contains(m.name));
    return RemovalPlanner.plan(f.input(c, List.of(remove), false));
  }

  private static List<String> codes(List<PlanMessage> m) {
    return m.stream().map(PlanMessage::code).toList();
  }

  @Test
  void removingTwoOfThreeMembersIsRefusedWithTheProjection() {
    RemovalPlan p = plan(cluster(3, 1), "node1", Set.of(), "node2", "node3");
    assertTrue(p.refused());
    assertTrue(codes(p.refusals()).contains("RemovalLosesQuorum"), p.refusals().toString());
    String first = p.refusals().get(0).message();
    assertTrue(
        first.contains("etcd 3 -> 2 voters")
            && first.contains("quorum 2 of 2")
            && first.contains("with one more failure only 1 voter(s) of the 2 needed"),
        first);
    assertEquals(2, p.quorum().size(), "both removals are projected, one after the other");
    assertTrue(
        p.quorum().get(1).message().startsWith("etcd 2 -> 1 voters without node3"),
        p.quorum().get(1).message());
  }

  @Test
  void oneOfThreeIsRefusedTooButOneOfFourPassesAndOneOfFiveWarnsOfAnEvenCount() {
    assertTrue(
        codes(plan(cluster(3, 0), "node1", Set.of(), "node3").refusals())
            .contains("RemovalLosesQuorum"));
    RemovalPlan four = plan(cluster(4, 0), "node1", Set.of(), "node4");
    assertFalse(four.refused(), four.refusals().toString());
    assertFalse(codes(four.warnings()).contains("EtcdEvenMemberCount"));
    RemovalPlan five = plan(cluster(5, 0), "node1", Set.of(), "node5");
    assertFalse(five.refused(), five.refusals().toString());
    assertTrue(codes(five.warnings()).contains("EtcdEvenMemberCount"), five.warnings().toString());
  }

  @Test
  void theOperatorsOverrideTurnsOnlyTheStrictRefusalIntoAWarningThatSaysWhatToleranceIsLeft() {
    ClusterSpec c = cluster(3, 0);
    FakeRemovalFleet f = FakeRemovalFleet.of(c, "node1");
    RemovalInput strict = f.input(c, List.of("node1"), false);
    RemovalInput accepted =
        new RemovalInput(
            c,
            strict.remove(),
            false,
            strict.nodes(),
            strict.ready(),
            strict.members(),
            strict.leaderId(),
            strict.drainTimeout(),
            false,
            true);
    assertTrue(
        RemovalPlanner.plan(strict)
            .refusals()
            .get(0)
            .message()
            .contains(
                "(refused); --accept-no-fault-tolerance would accept it, behind an approval, leaving etcd 0"
                    + " failure(s) of tolerance"),
        RemovalPlanner.plan(strict).refusals().toString());
    RemovalPlan p = RemovalPlanner.plan(accepted);
    assertFalse(p.refused(), p.refusals().toString());
    assertTrue(codes(p.warnings()).contains("RemovalNoFaultTolerance"), p.warnings().toString());
    assertTrue(p.overridden("a1") && !p.overridden("a2"));
    assertEquals(0, p.quorum().get(0).toleranceAfter());
    assertTrue(
        p.quorum().get(0).message().contains("etcd then tolerates 0 failure(s)"),
        p.quorum().get(0).message());
    // Never a loss of quorum now, never below two voters: 2 of 3 stays refused at its second
    // member, and so does a healthy member while another is dead.
    RemovalInput two =
        new RemovalInput(
            c,
            List.of("node2", "node3"),
            false,
            strict.nodes(),
            strict.ready(),
            strict.members(),
            strict.leaderId(),
            strict.drainTimeout(),
            false,
            true);
    RemovalPlan q = RemovalPlanner.plan(two);
    assertTrue(q.refused());
    assertEquals(
        List.of("node3"),
        q.refusals().stream()
            .filter(m -> m.code().equals("RemovalLosesQuorum"))
            .map(PlanMessage::node)
            .toList(),
        q.refusals().toString());
    f.members.values().forEach(m -> m.healthy = !m.name.equals("node3"));
    RemovalInput deadOther = f.input(c, List.of("node2"), false);
    assertTrue(
        RemovalPlanner.plan(
                new RemovalInput(
                    c,
                    deadOther.remove(),
                    false,
                    deadOther.nodes(),
                    deadOther.ready(),
                    deadOther.members(),
                    deadOther.leaderId(),
                    deadOther.drainTimeout(),
                    false,
                    true))
            .refused());
    // nor the last control plane
    ClusterSpec one = cluster(1, 1);
    RemovalInput last = FakeRemovalFleet.of(one, "node1").input(one, List.of("node1"), false);
    assertTrue(
        codes(
                RemovalPlanner.plan(
                        new RemovalInput(
                            one,
                            last.remove(),
                            false,
                            last.nodes(),
                            last.ready(),
                            last.members(),
                            last.leaderId(),
                            last.drainTimeout(),
                            false,
                            true))
                    .refusals())
            .contains("RemoveLastControlPlane"));
  }

  @Test
  void aDeadMemberOfThreeMayBeRemovedSinceTheFaultToleranceStaysTheSame() {
    RemovalPlan p = plan(cluster(3, 0), "node1", Set.of("node3"), "node3");
    assertFalse(p.refused(), p.refusals().toString());
    assertTrue(codes(p.warnings()).contains("RemoveUnhealthyMember"));
    // but not a healthy one while another is dead: only one healthy would stay
    RemovalPlan q = plan(cluster(3, 0), "node1", Set.of("node3"), "node2");
    assertTrue(codes(q.refusals()).contains("RemovalLosesQuorum"), q.refusals().toString());
  }

  @Test
  void removingTheLeaderShowsTheMoveAndWorkersComeFirst() {
    RemovalPlan p = plan(cluster(4, 2), "node1", Set.of(), "node1", "node5");
    assertFalse(p.refused(), p.refusals().toString());
    assertEquals(List.of("node5", "node1"), p.nodes().stream().map(NodeRemoval::name).toList());
    assertTrue(p.nodes().get(1).leader());
    assertTrue(
        p.leaderMove().startsWith("etcd leader node1 (a1) hands leadership to node2 (a2)"),
        p.leaderMove());
    assertTrue(codes(p.warnings()).contains("EtcdLeaderMoves"));
    assertFalse(
        p.etcdEndpoints().contains("https://10.0.0.11:2379"),
        "the worker never reaches etcd through node1");
    assertEquals(3, p.etcdEndpoints().size());
  }

  @Test
  void theLastControlPlaneIsRefused() {
    RemovalPlan p = plan(cluster(1, 2), "node1", Set.of(), "node1");
    assertTrue(codes(p.refusals()).contains("RemoveLastControlPlane"), p.refusals().toString());
  }

  @Test
  void aMemberIsMatchedByTheHostOfItsPeerUrlNeverByAPrefixOfItsName() {
    ClusterSpec c = cluster(4, 0);
    List<NodeSpec> nodes = new ArrayList<>(c.nodes());
    // "node1" at 10.0.0.1, and a member named node10 at 10.0.0.10: neither name nor address prefix
    // matches.
    nodes.set(
        0,
        new NodeSpec(
            "node1",
            "10.0.0.1",
            null,
            List.of(Role.CONTROL_PLANE, Role.ETCD),
            null,
            null,
            null,
            null));
    ClusterSpec changed = c.withNodes(nodes);
    List<EtcdMember> members =
        List.of(
            new EtcdMember("node10", "b10", "https://10.0.0.10:2380", true, false),
            new EtcdMember("node2", "a2", "https://10.0.0.12:2380", true, false),
            new EtcdMember("node3", "a3", "https://10.0.0.13:2380", true, false),
            new EtcdMember("node4", "a4", "https://10.0.0.14:2380", true, false),
            new EtcdMember("node1", "a1", "https://10.0.0.1:2380", true, false));
    List<ObservedNode> api =
        changed.nodes().stream()
            .map(n -> new ObservedNode(n.name(), n.address(), n.roles(), null))
            .toList();
    RemovalPlan p =
        RemovalPlanner.plan(
            new RemovalInput(
                changed,
                List.of("node1"),
                false,
                api,
                api.stream().map(ObservedNode::name).toList(),
                members,
                "a2",
                Duration.ofMinutes(1),
                false,
                false));
    assertEquals("a1", p.nodes().get(0).memberId());
    assertEquals("https://10.0.0.1:2379", p.nodes().get(0).clientUrl());
    assertNull(
        RemovalPlanner.memberOf(
            new NodeSpec("node1", "10.0.0.19", null, List.of(), null, null, null, null), members));
  }

  @Test
  void namesThatAreNotNodeNamesAndNodesTheInventoryLacksAreRefused() {
    RemovalPlan p = plan(cluster(4, 1), "node1", Set.of(), "a;rm -rf /", "node9");
    assertEquals(List.of("InvalidNodeName", "RemoveNodeNotInInventory"), codes(p.refusals()));
  }

  @Test
  void orphansAreFoundAndTheNodesBeingRemovedAreNotOrphans() {
    ClusterSpec c = cluster(3, 2);
    FakeRemovalFleet f = FakeRemovalFleet.of(c, "node1");
    FakeRemovalFleet.Member learner =
        new FakeRemovalFleet.Member("c1", "", "https://10.0.0.30:2380");
    learner.learner = true;
    f.members.put("c1", learner);
    f.members.put("c2", new FakeRemovalFleet.Member("c2", "old-cp", "https://10.0.0.40:2380"));
    f.nodes.put("ghost", new ObservedNode("ghost", "10.0.0.50", List.of(Role.WORKER), null));
    f.notReady.add("ghost");
    f.nodes.remove("node4"); // node4 has kubeadm files but no Node: half-joined
    List<Orphan> o =
        Orphans.find(
            c.nodes(),
            new ArrayList<>(f.nodes.values()),
            List.of("node1", "node2", "node3", "node5"),
            f.memberList(),
            Map.of(
                "node4",
                List.of("/etc/kubernetes/kubelet.conf"),
                "node5",
                List.of("/etc/kubernetes/kubelet.conf")),
            List.of("node5"));
    assertEquals(
        List.of(
            "learner c1",
            "member-without-node old-cp",
            "node-without-host ghost",
            "half-joined-host node4"),
        o.stream().map(x -> x.kind() + " " + x.name()).toList());
    assertTrue(o.get(0).proposed().contains("by id"));
  }

  @Test
  void etcdIsReachedOnlyThroughControlPlanesThatStay() {
    ClusterSpec c = cluster(4, 1);
    RemovalPlan p = plan(c, "node2", Set.of(), "node1");
    List<NodeSpec> cps = c.nodes().subList(0, 4);
    EtcdSpec through = c.etcd().throughNodes(cps);
    EtcdSpec reach = p.reach(through);
    assertEquals(
        List.of("node2", "node3", "node4"),
        reach.through().stream().map(NodeSpec::name).toList(),
        "node1 loses its certificates to kubeadm reset: never read etcd through it");
    assertFalse(
        reach.endpoints().stream().anyMatch(u -> u.contains(c.nodes().get(0).address())),
        reach.endpoints().toString());
    // With client files on the worker nothing goes through a node.
    assertFalse(p.reach(c.etcd()).viaNodes());
  }
}
