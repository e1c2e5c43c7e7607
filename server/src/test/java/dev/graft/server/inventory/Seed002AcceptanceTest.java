package dev.graft.server.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.NodeAddition;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.Phase;
import dev.graft.workflows.plan.PhaseKind;
import dev.graft.workflows.plan.PlanOptions;
import dev.graft.workflows.plan.PlanStep;
import dev.graft.workflows.plan.Route;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 3's acceptance: seed 002's final inventory against the cluster it started from. */
class Seed002AcceptanceTest {
  @Test
  void seed002GrowsOneWorkerAndTwoControlPlaneEtcdNodesOneAtATime() {
    ImportedInventory inv = Seeds.importSeed("002-kubespray-final.ini");
    ObservedCluster before =
        ObservedStateParser.parse(
            "002-observed-before.yaml", Seeds.resource("002-observed-before.yaml"));
    ExpansionPlan plan =
        new InventoryPlanner(new InventoryValidator(hosts -> Set.of(), false))
            .plan(inv, before, PlanOptions.DEFAULTS);

    assertFalse(plan.refused(), plan.refusals().toString());
    NodeAddition node6 = addition(plan, "k8s-node6");
    assertEquals(List.of(Role.WORKER), node6.roles());
    assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), addition(plan, "k8s-node2").roles());
    assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), addition(plan, "k8s-node3").roles());
    assertEquals(3, plan.additions().size());

    Phase cp = plan.phase(PhaseKind.CONTROL_PLANE_AND_ETCD);
    assertEquals(1, cp.parallelism(), "control-plane + etcd strictly one at a time");
    assertEquals(
        List.of("k8s-node2", "k8s-node3"), cp.steps().stream().map(PlanStep::node).toList());
    assertEquals(
        List.of("k8s-node6"),
        plan.phase(PhaseKind.WORKERS).steps().stream().map(PlanStep::node).toList());

    // etcd 1 -> 2 -> 3, warning on 1 -> 2 only.
    assertEquals(1, cp.steps().get(0).quorum().membersBefore());
    assertEquals(2, cp.steps().get(0).quorum().membersAfter());
    assertEquals(3, cp.steps().get(1).quorum().membersAfter());
    assertNotNull(cp.steps().get(0).quorum().warning());
    assertNull(cp.steps().get(1).quorum().warning());
    assertEquals(
        List.of("etcd-quorum-at-risk"),
        plan.warnings().stream().map(m -> m.code()).toList(),
        "etcd1 matches k8s-node1 by peer address: no other warning");

    // Routes on all six nodes, each to the five others.
    Phase routing = plan.phase(PhaseKind.ROUTING);
    assertEquals(
        Set.of("k8s-node1", "k8s-node2", "k8s-node3", "k8s-node4", "k8s-node5", "k8s-node6"),
        routing.steps().stream().map(PlanStep::node).collect(Collectors.toSet()));
    PlanStep onNode1 = routing.steps().get(0);
    assertEquals(
        List.of(
            "10.233.67.0/24 via 10.200.70.12",
            "10.233.68.0/24 via 10.200.70.13",
            "10.233.65.0/24 via 10.200.70.14",
            "10.233.66.0/24 via 10.200.70.15",
            "10.233.69.0/24 via 10.200.70.16"),
        onNode1.routes().stream().map(Seed002AcceptanceTest::route).toList());
    assertEquals(
        List.of(
            PhaseKind.PRECHECKS,
            PhaseKind.CONTROL_PLANE_AND_ETCD,
            PhaseKind.WORKERS,
            PhaseKind.ROUTING,
            PhaseKind.VERIFICATION),
        plan.phases().stream().map(Phase::kind).toList());
    assertTrue(plan.phase(PhaseKind.PRECHECKS).steps().size() == 3);
  }

  private static String route(Route r) {
    return r.destination() + " via " + r.via();
  }

  private static NodeAddition addition(ExpansionPlan plan, String name) {
    return plan.additions().stream()
        .filter(a -> a.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is not added: " + plan.additions()));
  }
}
