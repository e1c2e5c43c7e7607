package dev.graft.workflows.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.Route;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutePlanTest {
  @Test
  void aNodeRoutesToEveryOtherNodeWithABlockAndAnAddressSortedByName() {
    List<NodePodCidr> all =
        List.of(
            new NodePodCidr("n3", "10.0.0.3", "10.244.2.0/24", false),
            new NodePodCidr("n1", "10.0.0.1", "10.244.0.0/24", false),
            new NodePodCidr("n2", "10.0.0.2", "10.244.1.0/24", true),
            new NodePodCidr("no-cidr", "10.0.0.4", null, false),
            new NodePodCidr("no-ip", null, "10.244.9.0/24", false));
    assertEquals(
        List.of(
            new Route("10.244.0.0/24", "10.0.0.1", "n1"),
            new Route("10.244.2.0/24", "10.0.0.3", "n3")),
        RoutePlan.routesFor("n2", all));
  }

  @Test
  void theRouteAddressPrefersTheInventoryIpThenTheInternalIpThenAnIpv4SshAddress() {
    NodeSpec withIp =
        new NodeSpec("n", "n.example", "10.0.0.9", List.of(Role.WORKER), null, null, null, null);
    NodeSpec byName =
        new NodeSpec("n", "n.example", null, List.of(Role.WORKER), null, null, null, null);
    NodeSpec byAddress =
        new NodeSpec("n", "10.0.0.7", null, List.of(Role.WORKER), null, null, null, null);
    assertEquals("10.0.0.9", RoutePlan.nodeIp(withIp, "10.0.0.8"));
    assertEquals("10.0.0.8", RoutePlan.nodeIp(byName, "10.0.0.8"));
    assertEquals("10.0.0.8", RoutePlan.nodeIp(byAddress, "10.0.0.8"));
    assertEquals("10.0.0.7", RoutePlan.nodeIp(byAddress, null));
    assertNull(RoutePlan.nodeIp(byName, null));
    assertEquals("10.0.0.8", RoutePlan.nodeIp(null, "10.0.0.8"));
  }

  @Test
  void theBridgeHoldsTheFirstAddressAndTheProbeTheLastUsable() {
    assertEquals("10.244.3.1/24", RoutePlan.bridgeAddress("10.244.3.0/24"));
    assertEquals("10.244.3.1", RoutePlan.gateway("10.244.3.0/24"));
    assertEquals("10.244.3.254/24", RoutePlan.probeAddress("10.244.3.0/24"));
    assertEquals("10.244.4.1/22", RoutePlan.bridgeAddress("10.244.4.0/22"));
    assertEquals("10.244.7.254/22", RoutePlan.probeAddress("10.244.4.0/22"));
    assertEquals("10.244.0.2/30", RoutePlan.probeAddress("10.244.0.0/30"));
  }
}
