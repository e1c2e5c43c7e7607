package dev.graft.workflows.plan;

import dev.graft.workflows.model.Role;
import java.util.EnumSet;
import java.util.List;

/**
 * A node registered in the Kubernetes API.
 *
 * @param address its InternalIP when known (routes point at it), may be null
 * @param roles roles read from its labels; etcd membership is matched separately
 * @param podCidr {@code spec.podCIDR}, may be null
 */
public record ObservedNode(String name, String address, List<Role> roles, String podCidr) {
  public ObservedNode {
    EnumSet<Role> set = EnumSet.noneOf(Role.class);
    if (roles != null) {
      roles.stream().filter(r -> r != null).forEach(set::add);
    }
    roles = List.copyOf(set);
  }
}
