package dev.graft.workflows.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.plan.NodeUpgrade;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.UpgradePlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The upgrade planner's decisions: skew rules, order, batches. */
class UpgradePlannerTest {
  private static List<String> codes(List<PlanMessage> m) {
    return m.stream().map(PlanMessage::code).toList();
  }

  @Test
  void oneMinorUpUpgradesControlPlanesFirstThenWorkersOneAtATime() {
    ClusterSpec c = UpgradeFixtures.cluster(3, 2);
    UpgradePlan p = UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.30.2", "v1.31.0", null));
    assertFalse(p.refused(), p.refusals().toString());
    assertEquals("v1.30.2", p.from());
    assertEquals("v1.31.0", p.to());
    assertEquals(
        List.of("node1", "node2", "node3"),
        p.controlPlanes().stream().map(n -> n.node().name()).toList());
    assertEquals(
        List.of(true, false, false), p.controlPlanes().stream().map(NodeUpgrade::first).toList());
    assertEquals(
        List.of(List.of("node4"), List.of("node5")),
        p.workerBatches().stream()
            .map(b -> b.stream().map(n -> n.node().name()).toList())
            .toList());
    assertEquals("node1", p.snapshotNode());
    assertTrue(p.warnings().isEmpty(), p.warnings().toString());
  }

  @Test
  void everyNodeCarriesItsSshSettingsLayeredOverTheClusters() {
    // Found end to end: without the cluster's keyRef every node's pre-check failed InvalidInput.
    UpgradePlan p =
        UpgradePlanner.plan(
            UpgradeFixtures.input(UpgradeFixtures.cluster(1, 1), "v1.30.2", "v1.31.0", "1"));
    for (NodeUpgrade n : p.nodes()) {
      assertEquals(UpgradeFixtures.SSH, n.node().ssh(), n.node().name());
    }
  }

  @Test
  void aPatchUpgradeWithinTheMinorIsAllowed() {
    ClusterSpec c = UpgradeFixtures.cluster(1, 1);
    assertFalse(UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.30.2", "v1.30.5", "1")).refused());
  }

  @Test
  void skippingAMinorIsRefusedNamingTheVersionToGoThroughFirst() {
    UpgradePlan p =
        UpgradePlanner.plan(
            UpgradeFixtures.input(UpgradeFixtures.cluster(1, 1), "v1.30.2", "v1.32.0", "1"));
    assertEquals(List.of("UpgradeSkipsMinor"), codes(p.refusals()));
    assertTrue(
        p.refusals().get(0).message().contains("upgrade to v1.31.x first"),
        p.refusals().toString());
  }

  @Test
  void aDowngradeIsRefused() {
    UpgradePlan p =
        UpgradePlanner.plan(
            UpgradeFixtures.input(UpgradeFixtures.cluster(1, 1), "v1.31.0", "v1.30.9", "1"));
    // The kubelets at v1.31.0 would be newer than the target too: each is named.
    assertEquals(
        List.of("UpgradeDowngrade", "KubeletNewerThanTarget", "KubeletNewerThanTarget"),
        codes(p.refusals()));
  }

  @Test
  void anInvalidTargetOrUnknownClusterVersionIsRefused() {
    ClusterSpec c = UpgradeFixtures.cluster(1, 0);
    assertEquals(
        List.of("UpgradeTargetInvalid"),
        codes(UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.30.2", "1.31", "1")).refusals()));
    assertEquals(
        List.of("UpgradeTargetInvalid"),
        codes(
            UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.30.2", "v1.31.0;rm -rf /", "1"))
                .refusals()));
    assertTrue(
        codes(
                UpgradePlanner.plan(
                        new UpgradeInput(
                            c, null, UpgradeFixtures.observed(c, "v1.30.2"), "v1.31.0", "1", null))
                    .refusals())
            .contains("ClusterVersionUnknown"));
  }

  @Test
  void aKubeletNewerThanTheTargetOrFourMinorsBehindIsRefusedAtItsNode() {
    ClusterSpec c = UpgradeFixtures.cluster(1, 2);
    List<UpgradeInput.ObservedVersion> seen =
        new ArrayList<>(UpgradeFixtures.observed(c, "v1.30.2"));
    seen.set(1, new UpgradeInput.ObservedVersion("node2", "v1.32.0", true));
    seen.set(2, new UpgradeInput.ObservedVersion("node3", "v1.27.4", true));
    UpgradePlan p =
        UpgradePlanner.plan(
            new UpgradeInput(c, "v1.30.2", seen, "v1.31.0", "1", Duration.ofMinutes(5)));
    assertEquals(List.of("KubeletNewerThanTarget", "KubeletSkewTooLarge"), codes(p.refusals()));
    assertEquals(List.of("node2", "node3"), p.refusals().stream().map(PlanMessage::node).toList());
    assertTrue(p.refusals().get(1).message().contains("at least v1.28"), p.refusals().toString());
  }

  @Test
  void aNodeNotReadyOrNotInTheClusterIsRefusedAndANodeNotInTheInventoryIsAWarning() {
    ClusterSpec c = UpgradeFixtures.cluster(1, 2);
    List<UpgradeInput.ObservedVersion> seen = new ArrayList<>();
    seen.add(new UpgradeInput.ObservedVersion("node1", "v1.30.2", true));
    seen.add(new UpgradeInput.ObservedVersion("node2", "v1.30.2", false));
    seen.add(new UpgradeInput.ObservedVersion("stray", "v1.30.2", true));
    UpgradePlan p = UpgradePlanner.plan(new UpgradeInput(c, "v1.30.2", seen, "v1.31.0", "1", null));
    assertEquals(List.of("UpgradeNodeNotReady", "UpgradeNodeNotInCluster"), codes(p.refusals()));
    assertEquals(List.of("NodeNotInInventory"), codes(p.warnings()));
    assertEquals("stray", p.warnings().get(0).node());
  }

  @Test
  void maxUnavailableTakesACountOrAPercentageOfTheWorkers() {
    ClusterSpec c = UpgradeFixtures.cluster(1, 5);
    assertEquals(
        List.of(2, 2, 1),
        UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.30.2", "v1.31.0", "2"))
            .workerBatches()
            .stream()
            .map(List::size)
            .toList());
    assertEquals(
        List.of(2, 2, 1),
        UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.30.2", "v1.31.0", "25%"))
            .workerBatches()
            .stream()
            .map(List::size)
            .toList());
    for (String bad : List.of("0", "abc", "0%", "101%", "-1")) {
      assertEquals(
          List.of("MaxUnavailableInvalid"),
          codes(
              UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.30.2", "v1.31.0", bad)).refusals()),
          bad);
    }
  }

  @Test
  void nodesAlreadyAtTheTargetAreMarkedAndAClusterAllThereSaysNothingToDo() {
    ClusterSpec c = UpgradeFixtures.cluster(1, 1);
    UpgradePlan p = UpgradePlanner.plan(UpgradeFixtures.input(c, "v1.31.0", "v1.31.0", "1"));
    assertFalse(p.refused());
    assertTrue(p.nodes().stream().allMatch(NodeUpgrade::atTarget));
    assertEquals(List.of("UpgradeNothingToDo"), codes(p.warnings()));
  }

  @Test
  void versionsParseAndCompareOnTheirNumbers() {
    assertEquals(new KubeVersion(1, 31, 0), KubeVersion.parse("v1.31.0"));
    assertEquals(new KubeVersion(1, 31, 0), KubeVersion.parse("1.31.0"));
    assertEquals(new KubeVersion(1, 30, 2), KubeVersion.parse("v1.30.2+k3s1"));
    assertEquals(null, KubeVersion.parse("v1.31"));
    assertEquals(null, KubeVersion.parse("v1.31.0 ; reboot"));
    assertEquals("1.31.0", KubeVersion.parse("v1.31.0").upstream());
    assertEquals(1, KubeVersion.parse("v1.31.0").minorsAbove(KubeVersion.parse("v1.30.9")));
  }
}
