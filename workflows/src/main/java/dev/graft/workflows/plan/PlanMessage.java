package dev.graft.workflows.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A warning or a refusal. {@code code} is stable and machine-readable (see docs/inventory.md);
 * {@code node} names the node concerned, or is null for cluster-wide findings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlanMessage(String code, String node, String message) {
  @Override
  public String toString() {
    return (node == null ? "" : node + ": ") + message + " [" + code + "]";
  }
}
