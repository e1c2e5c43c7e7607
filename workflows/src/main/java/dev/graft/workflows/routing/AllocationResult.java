package dev.graft.workflows.routing;

import dev.graft.workflows.step.StepResult;
import java.util.List;

/**
 * Every Node of the cluster with its pod CIDR after allocation.
 *
 * @param nodes all Nodes registered in the API, sorted by name
 */
public record AllocationResult(
    List<NodePodCidr> nodes, boolean alreadySatisfied, String summary, int attempt)
    implements StepResult {
  public AllocationResult {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }
}
