package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/**
 * Ping every target from a short-lived probe namespace on {@code source}, attached to its bridge
 * with an address in {@code sourcePodCidr}.
 */
public record VerifyRequest(
    String cluster,
    NodeSpec source,
    String sourcePodCidr,
    String clusterCidr,
    List<ProbeTarget> targets) {
  public VerifyRequest {
    targets = targets == null ? List.of() : List.copyOf(targets);
  }
}
