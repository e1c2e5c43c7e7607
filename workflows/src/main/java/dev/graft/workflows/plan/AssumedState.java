package dev.graft.workflows.plan;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.util.List;
import java.util.Optional;

/**
 * The observed state that {@code graft plan --assume-empty} stands for: nothing exists except the
 * first control-plane node of the inventory, taken as the already bootstrapped node (Graft grows
 * clusters; it does not bootstrap them). If that node has the etcd role it is the single healthy
 * etcd member. Its pod CIDR is the inventory's, or the first block of the pod network.
 */
public final class AssumedState {
  private AssumedState() {}

  public static ObservedCluster bootstrapOnly(ClusterSpec desired) {
    Optional<NodeSpec> first =
        desired.nodes().stream().filter(n -> n.hasRole(Role.CONTROL_PLANE)).findFirst();
    if (first.isEmpty()) {
      return ObservedCluster.EMPTY;
    }
    NodeSpec n = first.get();
    String podCidr = n.podCidr() != null ? n.podCidr() : firstBlock(desired);
    ObservedNode node = new ObservedNode(n.name(), n.routeAddress(), n.roles(), podCidr);
    List<EtcdMember> members =
        n.hasRole(Role.ETCD)
            ? List.of(
                new EtcdMember(
                    n.name(), null, "https://" + n.routeAddress() + ":2380", true, false))
            : List.of();
    return new ObservedCluster(List.of(node), members);
  }

  private static String firstBlock(ClusterSpec desired) {
    if (desired.podNetwork() == null) {
      return null;
    }
    try {
      Cidr net = Cidr.parse(desired.podNetwork().cidr());
      return net.firstFree(desired.podNetwork().nodeMask(), List.of())
          .map(Cidr::toString)
          .orElse(null);
    } catch (IllegalArgumentException e) {
      return null; // the planner reports the broken pod network itself
    }
  }
}
