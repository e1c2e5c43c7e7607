package dev.graft.workflows.plan;

import dev.graft.workflows.model.Role;
import java.util.List;

/**
 * A node the plan adds and what it becomes.
 *
 * @param podCidrAllocated true when the planner chose the pod CIDR, false when the inventory fixed
 *     it
 */
public record NodeAddition(
    String name, String address, List<Role> roles, String podCidr, boolean podCidrAllocated) {
  public NodeAddition {
    roles = roles == null ? List.of() : List.copyOf(roles);
  }
}
