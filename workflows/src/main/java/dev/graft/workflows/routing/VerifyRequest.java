package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/**
 * Ping every target from a short-lived probe namespace on {@code source}, attached to its bridge
 * with an address in {@code sourcePodCidr}.
 *
 * @param unreachableOnly the result's row lists the unreachable pairs only (and its output only
 *     those and a count): a large cluster's routing keeps no reachable cell, and a row of n
 *     reachable cells from each of n nodes made its history grow as n²
 */
public record VerifyRequest(
    String cluster,
    NodeSpec source,
    String sourcePodCidr,
    String clusterCidr,
    List<ProbeTarget> targets,
    boolean unreachableOnly) {
  public VerifyRequest {
    targets = targets == null ? List.of() : List.copyOf(targets);
  }

  /** A request for the full row. */
  public VerifyRequest(
      String cluster,
      NodeSpec source,
      String sourcePodCidr,
      String clusterCidr,
      List<ProbeTarget> targets) {
    this(cluster, source, sourcePodCidr, clusterCidr, targets, false);
  }
}
