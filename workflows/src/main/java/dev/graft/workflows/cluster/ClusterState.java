package dev.graft.workflows.cluster;

import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationSummary;
import java.util.List;

/** What a cluster workflow carries across continue-as-new: the queue and the recent operations. */
public record ClusterState(
    String cluster, List<OperationRequest> queue, List<OperationSummary> recent) {
  public ClusterState {
    queue = queue == null ? List.of() : List.copyOf(queue);
    recent = recent == null ? List.of() : List.copyOf(recent);
  }
}
