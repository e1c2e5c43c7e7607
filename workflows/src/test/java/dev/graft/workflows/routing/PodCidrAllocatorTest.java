package dev.graft.workflows.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.routing.PodCidrAllocator.Held;
import dev.graft.workflows.routing.PodCidrAllocator.Wanted;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodCidrAllocatorTest {
  private static Map<String, String> allocate(
      String net, int mask, List<Held> held, List<Wanted> wanted) {
    return PodCidrAllocator.allocate(net, mask, held, wanted);
  }

  @Test
  void newNodesGetTheLowestFreeSlash24InTheOrderGiven() {
    Map<String, String> got =
        allocate(
            "10.244.0.0/16", 0, List.of(), List.of(new Wanted("a", null), new Wanted("b", null)));
    assertEquals(Map.of("a", "10.244.0.0/24", "b", "10.244.1.0/24"), got);
    assertEquals(List.of("a", "b"), List.copyOf(got.keySet()));
  }

  @Test
  void blocksExistingNodesHoldAreNeverHandedOut() {
    Map<String, String> got =
        allocate(
            "10.244.0.0/16",
            24,
            List.of(new Held("n1", "10.244.0.0/24"), new Held("n2", "10.244.2.0/24")),
            List.of(new Wanted("n3", null), new Wanted("n4", null)));
    assertEquals(Map.of("n3", "10.244.1.0/24", "n4", "10.244.3.0/24"), got);
  }

  @Test
  void anExistingBlockOfAnotherSizeCoversEverySlotItOverlaps() {
    Map<String, String> got =
        allocate(
            "10.244.0.0/16",
            24,
            List.of(new Held("old", "10.244.0.0/23")),
            List.of(new Wanted("n", null)));
    assertEquals("10.244.2.0/24", got.get("n"));
  }

  @Test
  void theInventorysBlockIsHonouredAndNeverGivenToAnother() {
    Map<String, String> got =
        allocate(
            "10.244.0.0/16",
            24,
            List.of(),
            List.of(new Wanted("a", null), new Wanted("b", "10.244.0.0/24")));
    assertEquals(Map.of("a", "10.244.1.0/24", "b", "10.244.0.0/24"), got);
  }

  @Test
  void theInventorysBlockMayNotOverlapAHeldOneOrLeaveTheNetwork() {
    AllocationException taken =
        assertThrows(
            AllocationException.class,
            () ->
                allocate(
                    "10.244.0.0/16",
                    24,
                    List.of(new Held("n1", "10.244.7.0/24")),
                    List.of(new Wanted("n2", "10.244.7.0/24"))));
    assertEquals("PodCidrConflict", taken.type());
    AllocationException outside =
        assertThrows(
            AllocationException.class,
            () ->
                allocate(
                    "10.244.0.0/16", 24, List.of(), List.of(new Wanted("n2", "10.245.0.0/24"))));
    assertEquals("PodCidrInvalid", outside.type());
    AllocationException hostBits =
        assertThrows(
            AllocationException.class,
            () ->
                allocate(
                    "10.244.0.0/16", 24, List.of(), List.of(new Wanted("n2", "10.244.1.5/24"))));
    assertEquals("PodCidrInvalid", hostBits.type());
  }

  @Test
  void exhaustionIsAllOrNothingAndNamesEveryNodeLeftWithout() {
    // A /23 holds two /24 blocks; one is held, three nodes want one.
    AllocationException e =
        assertThrows(
            AllocationException.class,
            () ->
                allocate(
                    "10.244.0.0/23",
                    24,
                    List.of(new Held("n1", "10.244.0.0/24")),
                    List.of(
                        new Wanted("n2", null), new Wanted("n3", null), new Wanted("n4", null))));
    assertEquals("PodCidrExhausted", e.type());
    assertTrue(e.getMessage().contains("[n3, n4]"), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was allocated"), e.getMessage());
  }

  @Test
  void exactlyFullIsNotExhausted() {
    Map<String, String> got =
        allocate(
            "10.244.0.0/23", 24, List.of(), List.of(new Wanted("a", null), new Wanted("b", null)));
    assertEquals(2, got.size());
  }

  @Test
  void theNodeMaskMustFitTheNetworkAndLeaveRoomForPods() {
    assertEquals(
        "PodNetworkInvalid",
        assertThrows(
                AllocationException.class,
                () -> allocate("10.244.0.0/24", 16, List.of(), List.of()))
            .type());
    assertEquals(
        "PodNetworkInvalid",
        assertThrows(
                AllocationException.class,
                () -> allocate("10.244.0.0/16", 31, List.of(), List.of()))
            .type());
    assertEquals(
        "PodNetworkInvalid",
        assertThrows(
                AllocationException.class, () -> allocate("fd00::/48", 24, List.of(), List.of()))
            .type());
  }

  @Test
  void ipv6OrEmptyHeldBlocksDoNotBlockIpv4Slots() {
    Map<String, String> got =
        allocate(
            "10.244.0.0/16",
            24,
            List.of(new Held("v6", "fd00:10::/64"), new Held("none", null), new Held("blank", "")),
            List.of(new Wanted("n", null)));
    assertEquals("10.244.0.0/24", got.get("n"));
  }

  @Test
  void aSmallerNodeMaskGivesBiggerBlocks() {
    Map<String, String> got =
        allocate(
            "10.244.0.0/16",
            22,
            List.of(new Held("a", "10.244.0.0/22")),
            List.of(new Wanted("b", null)));
    assertEquals("10.244.4.0/22", got.get("b"));
  }
}
