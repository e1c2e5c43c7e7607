package dev.graft.workflows.plan;

import static dev.graft.workflows.plan.Fixtures.cluster;
import static dev.graft.workflows.plan.Fixtures.member;
import static dev.graft.workflows.plan.Fixtures.node;
import static dev.graft.workflows.plan.Fixtures.observed;
import static dev.graft.workflows.plan.Fixtures.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlannerTest {
  private static final EtcdTopology EXT = EtcdTopology.EXTERNAL;

  /** Seed 002's final inventory against node1 (cp+etcd) and node4, node5 (workers). */
  static ExpansionPlan seed002() {
    ClusterSpec desired =
        cluster(
            EXT,
            false,
            node(1, "control-plane+etcd"),
            node(2, "control-plane+etcd"),
            node(3, "control-plane+etcd"),
            node(4, "worker"),
            node(5, "worker"),
            node(6, "worker"));
    ObservedCluster now =
        state(
            List.of(
                observed(1, "control-plane", "10.233.64.0/24"),
                observed(4, "worker", "10.233.65.0/24"),
                observed(5, "worker", "10.233.66.0/24")),
            List.of(member(1, true, false)));
    return Planner.plan(desired, now, PlanOptions.DEFAULTS);
  }

  @Test
  void seed002GrowsTheControlPlaneOneAtATimeAndTheWorkerInParallel() {
    ExpansionPlan plan = seed002();
    assertFalse(plan.refused(), plan.refusals().toString());
    assertEquals(
        List.of("k8s-node2", "k8s-node3", "k8s-node6"),
        plan.additions().stream().map(NodeAddition::name).toList());
    assertEquals(
        List.of(
            PhaseKind.PRECHECKS,
            PhaseKind.CONTROL_PLANE_AND_ETCD,
            PhaseKind.WORKERS,
            PhaseKind.ROUTING,
            PhaseKind.VERIFICATION),
        plan.phases().stream().map(Phase::kind).toList());

    Phase cp = plan.phase(PhaseKind.CONTROL_PLANE_AND_ETCD);
    assertEquals(1, cp.parallelism());
    assertEquals(
        List.of("k8s-node2", "k8s-node3"), cp.steps().stream().map(PlanStep::node).toList());
    QuorumProjection first = cp.steps().get(0).quorum();
    QuorumProjection second = cp.steps().get(1).quorum();
    assertEquals(
        List.of(1, 2, 2, 3),
        List.of(
            first.membersBefore(),
            first.membersAfter(),
            second.membersBefore(),
            second.membersAfter()));
    assertNotNull(first.warning(), "1 -> 2 must warn");
    assertNull(second.warning(), "2 -> 3 is safe once the second member is healthy");
    assertEquals(Set.of("k8s-node2"), codes(plan.warnings(), "etcd-quorum-at-risk"));

    Phase workers = plan.phase(PhaseKind.WORKERS);
    assertEquals(List.of("k8s-node6"), workers.steps().stream().map(PlanStep::node).toList());
    assertEquals(List.of(Role.WORKER), workers.steps().get(0).roles());
    assertEquals(1, plan.etcdMembersBefore());
    assertEquals(3, plan.etcdMembersAfter());

    // New pod CIDRs skip the three taken by the existing nodes.
    assertEquals(
        List.of("10.233.67.0/24", "10.233.68.0/24", "10.233.69.0/24"),
        plan.additions().stream().map(NodeAddition::podCidr).toList());

    Phase routing = plan.phase(PhaseKind.ROUTING);
    assertEquals(6, routing.steps().size());
    for (PlanStep s : routing.steps()) {
      assertEquals(5, s.routes().size(), s.node() + " needs a route to every other node");
      assertFalse(s.routes().stream().anyMatch(r -> r.viaNode().equals(s.node())));
    }
  }

  @ParameterizedTest(name = "etcd {0} -> {1} members with allowEvenEtcd={2}: refused={3}")
  @CsvSource({
    "1, 3, false, false",
    "1, 2, false, true",
    "1, 2, true, false",
    "3, 4, false, true",
    "3, 5, false, false",
    "2, 3, false, false"
  })
  void anEvenEtcdTargetIsRefusedUnlessTheNamedOverrideAllowsIt(
      int before, int after, boolean allowEven, boolean refused) {
    List<NodeSpec> nodes = new ArrayList<>();
    List<ObservedNode> obs = new ArrayList<>();
    List<EtcdMember> members = new ArrayList<>();
    for (int i = 1; i <= after; i++) {
      nodes.add(node(i, "control-plane+etcd"));
      if (i <= before) {
        obs.add(observed(i, "control-plane", "10.233." + (63 + i) + ".0/24"));
        members.add(member(i, true, false));
      }
    }
    ExpansionPlan plan =
        Planner.plan(
            cluster(EtcdTopology.STACKED, allowEven, nodes.toArray(NodeSpec[]::new)),
            state(obs, members),
            PlanOptions.DEFAULTS);
    assertEquals(refused, plan.refused(), plan.refusals().toString());
    assertEquals(refused, codes(plan.refusals(), "etcd-even-target").size() == 1);
    if (allowEven && after % 2 == 0) {
      assertEquals(1, codes(plan.warnings(), "etcd-even-target").size());
    }
  }

  @ParameterizedTest(name = "an existing member healthy={0} learner={1} blocks an etcd change: {2}")
  @CsvSource({"true, false, false", "false, false, true", "true, true, true"})
  void etcdChangesWaitForAHealthyClusterWithoutLearners(
      boolean healthy, boolean learner, boolean refused) {
    ExpansionPlan plan =
        Planner.plan(
            cluster(
                EXT,
                false,
                node(1, "control-plane+etcd"),
                node(2, "control-plane+etcd"),
                node(3, "control-plane+etcd"),
                node(4, "etcd")),
            state(
                List.of(
                    observed(1, "control-plane", "10.233.64.0/24"),
                    observed(2, "control-plane", "10.233.65.0/24"),
                    observed(3, "control-plane", "10.233.66.0/24")),
                List.of(
                    member(1, true, false), member(2, true, false), member(3, healthy, learner))),
            new PlanOptions(5));
    Set<String> blocking =
        plan.refusals().stream()
            .map(PlanMessage::code)
            .filter(c -> c.startsWith("etcd-member") || c.startsWith("etcd-learner"))
            .collect(Collectors.toSet());
    assertEquals(refused, !blocking.isEmpty(), plan.refusals().toString());
  }

  @Test
  void anUnhealthyMemberDoesNotBlockAPlanThatOnlyAddsWorkers() {
    ExpansionPlan plan =
        Planner.plan(
            cluster(EXT, false, node(1, "control-plane+etcd"), node(4, "worker")),
            state(
                List.of(observed(1, "control-plane", "10.233.64.0/24")),
                List.of(member(1, false, false))),
            PlanOptions.DEFAULTS);
    assertFalse(plan.refused(), plan.refusals().toString());
  }

  @Test
  void nodesMissingFromTheInventoryAreReportedAndNeverRemoved() {
    ExpansionPlan plan =
        Planner.plan(
            cluster(EXT, false, node(1, "control-plane+etcd"), node(6, "worker")),
            state(
                List.of(
                    observed(1, "control-plane", "10.233.64.0/24"),
                    observed(5, "worker", "10.233.65.0/24")),
                List.of(member(1, true, false))),
            PlanOptions.DEFAULTS);
    assertEquals(Set.of("k8s-node5"), codes(plan.warnings(), "node-not-in-inventory"));
    assertTrue(plan.existingNodes().contains("k8s-node5"));
    assertEquals(List.of("k8s-node6"), plan.additions().stream().map(NodeAddition::name).toList());
    // The stray node still gets routes and is routed to.
    PlanStep node5 =
        plan.phase(PhaseKind.ROUTING).steps().stream()
            .filter(s -> s.node().equals("k8s-node5"))
            .findFirst()
            .orElseThrow();
    assertEquals(2, node5.routes().size());
  }

  @Test
  void anExistingNodeWhoseRolesDifferIsReportedNotChanged() {
    ExpansionPlan plan =
        Planner.plan(
            cluster(EXT, false, node(1, "control-plane+etcd"), node(4, "control-plane")),
            state(
                List.of(
                    observed(1, "control-plane", "10.233.64.0/24"),
                    observed(4, "worker", "10.233.65.0/24")),
                List.of(member(1, true, false))),
            PlanOptions.DEFAULTS);
    assertEquals(Set.of("k8s-node4"), codes(plan.warnings(), "roles-differ"));
    assertTrue(plan.additions().isEmpty());
    assertTrue(plan.phases().isEmpty());
  }

  @ParameterizedTest(name = "{0} new workers with maxParallel {1} run {2} at a time")
  @CsvSource({"1, 5, 1", "7, 5, 5", "3, 1, 1"})
  void workersRunInParallelUpToMaxParallel(int workers, int maxParallel, int expected) {
    List<NodeSpec> nodes = new ArrayList<>(List.of(node(1, "control-plane+etcd")));
    for (int i = 0; i < workers; i++) {
      nodes.add(node(10 + i, "worker"));
    }
    ExpansionPlan plan =
        Planner.plan(
            cluster(EXT, false, nodes.toArray(NodeSpec[]::new)),
            state(
                List.of(observed(1, "control-plane", "10.233.64.0/24")),
                List.of(member(1, true, false))),
            new PlanOptions(maxParallel));
    assertEquals(expected, plan.phase(PhaseKind.WORKERS).parallelism());
    assertEquals(
        workers,
        plan.phase(PhaseKind.PRECHECKS).parallelism(),
        "pre-checks run on every new node at once");
  }

  @Test
  void podCidrsNeverReuseTakenBlocksAndExhaustionIsRefused() {
    // A /22 network of /24 blocks has four; two are taken, one is fixed by the inventory.
    ClusterSpec desired =
        cluster(
            "10.244.0.0/22",
            24,
            EXT,
            false,
            node(1, "control-plane+etcd"),
            node(2, "worker"),
            node(3, "worker", "10.244.3.0/24"),
            node(4, "worker"),
            node(5, "worker"));
    ExpansionPlan plan =
        Planner.plan(
            desired,
            state(
                List.of(
                    observed(1, "control-plane", "10.244.0.0/24"),
                    observed(2, "worker", "10.244.2.0/24")),
                List.of(member(1, true, false))),
            PlanOptions.DEFAULTS);
    assertEquals("10.244.3.0/24", addition(plan, "k8s-node3").podCidr());
    assertFalse(addition(plan, "k8s-node3").podCidrAllocated());
    assertEquals("10.244.1.0/24", addition(plan, "k8s-node4").podCidr());
    assertNull(addition(plan, "k8s-node5").podCidr());
    assertEquals(Set.of("k8s-node5"), codes(plan.refusals(), "pod-cidr-exhausted"));
  }

  @ParameterizedTest(name = "an inventory pod CIDR {0} for a new node is refused as {1}")
  @CsvSource({
    "10.245.0.0/24, pod-cidr-outside-network",
    "10.244.0.0/24, pod-cidr-taken",
    "10.244.0.0/23, pod-cidr-taken",
    "10.244.0.7/24, pod-cidr-invalid"
  })
  void fixedPodCidrsMustBeInsideTheNetworkAndFree(String cidr, String code) {
    ExpansionPlan plan =
        Planner.plan(
            cluster(
                "10.244.0.0/16",
                24,
                EXT,
                false,
                node(1, "control-plane+etcd"),
                node(2, "worker", cidr)),
            state(
                List.of(observed(1, "control-plane", "10.244.0.0/24")),
                List.of(member(1, true, false))),
            PlanOptions.DEFAULTS);
    assertEquals(Set.of("k8s-node2"), codes(plan.refusals(), code));
  }

  @ParameterizedTest(name = "with stacked etcd a new node with roles {0} is refused: {1}")
  @CsvSource({"control-plane+etcd, false", "control-plane, true", "etcd, true", "worker, false"})
  void stackedEtcdKeepsControlPlaneAndEtcdTogether(String roles, boolean refused) {
    ExpansionPlan plan =
        Planner.plan(
            cluster(EtcdTopology.STACKED, true, node(1, "control-plane+etcd"), node(2, roles)),
            state(
                List.of(observed(1, "control-plane", "10.233.64.0/24")),
                List.of(member(1, true, false))),
            PlanOptions.DEFAULTS);
    assertEquals(refused, !codes(plan.refusals(), "stacked-etcd-mismatch").isEmpty());
  }

  @Test
  void etcdMembersAreMatchedToNodesByPeerAddressWhenNamesDiffer() {
    // kubespray names members etcd1..etcdN, not after the node.
    EtcdMember etcd1 = new EtcdMember("etcd1", "a", "https://10.200.70.11:2380", true, false);
    ExpansionPlan plan =
        Planner.plan(
            cluster(EXT, false, node(1, "control-plane+etcd"), node(4, "worker")),
            state(List.of(observed(1, "control-plane", "10.233.64.0/24")), List.of(etcd1)),
            PlanOptions.DEFAULTS);
    assertTrue(plan.warnings().isEmpty(), plan.warnings().toString());
  }

  @Test
  void addingEtcdWithoutAnObservedMemberListIsRefused() {
    ExpansionPlan plan =
        Planner.plan(
            cluster(
                EXT,
                false,
                node(1, "control-plane+etcd"),
                node(2, "control-plane+etcd"),
                node(3, "control-plane+etcd")),
            state(List.of(observed(1, "control-plane", "10.233.64.0/24")), List.of()),
            PlanOptions.DEFAULTS);
    assertEquals(1, codes(plan.refusals(), "etcd-membership-unknown").size());
  }

  @Test
  void anEmptyClusterIsRefusedButAssumeEmptyTakesTheFirstControlPlaneAsBootstrapped() {
    ClusterSpec desired =
        cluster(
            EXT,
            false,
            node(4, "worker"),
            node(1, "control-plane+etcd"),
            node(2, "control-plane+etcd"),
            node(3, "control-plane+etcd"));
    ExpansionPlan empty = Planner.plan(desired, ObservedCluster.EMPTY, PlanOptions.DEFAULTS);
    assertEquals(1, codes(empty.refusals(), "no-existing-cluster").size());

    ExpansionPlan assumed =
        Planner.plan(desired, AssumedState.bootstrapOnly(desired), PlanOptions.DEFAULTS);
    assertFalse(assumed.refused(), assumed.refusals().toString());
    assertEquals(List.of("k8s-node1"), assumed.existingNodes());
    assertEquals(
        List.of("k8s-node2", "k8s-node3", "k8s-node4"),
        assumed.additions().stream().map(NodeAddition::name).toList());
    assertEquals(
        "10.233.65.0/24",
        addition(assumed, "k8s-node4").podCidr(),
        "the bootstrap node holds the first block; the others follow in inventory order");
  }

  @Test
  void thePlanIsDeterministic() {
    assertEquals(seed002(), seed002());
  }

  private static NodeAddition addition(ExpansionPlan plan, String name) {
    return plan.additions().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
  }

  private static Set<String> codes(List<PlanMessage> messages, String code) {
    Set<String> nodes = new HashSet<>();
    messages.stream()
        .filter(m -> m.code().equals(code))
        .forEach(m -> nodes.add(m.node() == null ? "(cluster)" : m.node()));
    return nodes;
  }
}
