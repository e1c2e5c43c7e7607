package dev.graft.workflows.routing;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.Steps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-node steps of the routed pod network ({@code routes/<node>}, {@code verify/<node>}), as
 * the routing workflow runs them for a cluster that fits one history and each of its batches runs
 * them for a slice of a larger one (workflow-side).
 */
final class RouteSteps {
  static final String ROUTES_NAME = "program pod routes";
  static final String VERIFY_NAME = "verify pod-to-pod from this node";

  private RouteSteps() {}

  static void declareRoutes(Steps steps, List<NodeSpec> nodes) {
    for (NodeSpec n : nodes) {
      steps.declare("routes/" + n.name(), ROUTES_NAME, n.name(), false);
    }
  }

  static void declareVerify(Steps steps, List<NodeSpec> nodes) {
    for (NodeSpec n : nodes) {
      steps.declare("verify/" + n.name(), VERIFY_NAME, n.name(), true);
    }
  }

  /**
   * One step per node, at most {@code maxParallel} at once; every node gets the routes to every
   * other node of {@code table} (the pod CIDRs after allocation).
   */
  static void program(
      Steps steps,
      NodeRoutingActivities activities,
      String cluster,
      String clusterCidr,
      List<NodeSpec> nodes,
      List<NodePodCidr> table,
      int maxParallel) {
    Map<String, NodePodCidr> byName = byName(table);
    Parallel.forEach(
        nodes,
        maxParallel,
        n ->
            steps.run(
                "routes/" + n.name(),
                ROUTES_NAME,
                n.name(),
                false,
                () ->
                    activities.program(
                        new NodeRoutesRequest(
                            cluster,
                            n,
                            byName.get(n.name()).podCidr(),
                            clusterCidr,
                            RoutePlan.routesFor(n.name(), table)))));
  }

  /**
   * One row of the matrix per node: its probe, in its own pod CIDR (from {@code own}), pings every
   * other node's target.
   *
   * @param unreachableOnly rows list the unreachable pairs only (a large cluster keeps no other)
   */
  static void verify(
      Steps steps,
      NodeRoutingActivities activities,
      String cluster,
      String clusterCidr,
      List<NodeSpec> nodes,
      List<NodePodCidr> own,
      List<ProbeTarget> targets,
      boolean unreachableOnly,
      int maxParallel,
      Matrix matrix) {
    Map<String, NodePodCidr> byName = byName(own);
    Parallel.forEach(
        nodes,
        maxParallel,
        n -> {
          List<ProbeTarget> others =
              targets.stream().filter(t -> !t.node().equals(n.name())).toList();
          VerifyResult row =
              steps.run(
                  "verify/" + n.name(),
                  VERIFY_NAME,
                  n.name(),
                  true,
                  () ->
                      activities.verify(
                          new VerifyRequest(
                              cluster,
                              n,
                              byName.get(n.name()).podCidr(),
                              clusterCidr,
                              others,
                              unreachableOnly)));
          if (row != null) {
            matrix.add(row, others.size(), unreachableOnly);
          }
        });
  }

  /**
   * What every node's probe pings: its test address when the request names one, else its bridge.
   */
  static List<ProbeTarget> targets(
      List<NodeSpec> nodes, Map<String, String> verifyTargets, List<NodePodCidr> table) {
    Map<String, NodePodCidr> byName = byName(table);
    List<ProbeTarget> targets = new ArrayList<>();
    for (NodeSpec n : nodes) {
      String address = verifyTargets.get(n.name());
      targets.add(
          new ProbeTarget(
              n.name(),
              address != null ? address : RoutePlan.gateway(byName.get(n.name()).podCidr())));
    }
    return targets;
  }

  /** The entries of {@code table} for {@code nodes} only. */
  static List<NodePodCidr> of(List<NodeSpec> nodes, List<NodePodCidr> table) {
    Map<String, NodePodCidr> byName = byName(table);
    List<NodePodCidr> out = new ArrayList<>();
    for (NodeSpec n : nodes) {
      if (byName.containsKey(n.name())) {
        out.add(byName.get(n.name()));
      }
    }
    return out;
  }

  private static Map<String, NodePodCidr> byName(List<NodePodCidr> table) {
    Map<String, NodePodCidr> m = new LinkedHashMap<>();
    table.forEach(p -> m.put(p.node(), p));
    return m;
  }

  /** The matrix as rows arrive: the cells kept, and how many were verified in all. */
  static final class Matrix {
    final List<PairResult> kept = new ArrayList<>();
    int cells;

    void add(VerifyResult row, int targets, boolean unreachableOnly) {
      cells += targets;
      // A worker that predates unreachableOnly sends the full row: keep only what was asked for.
      row.pairs().stream().filter(p -> !unreachableOnly || !p.reachable()).forEach(kept::add);
    }

    void add(List<PairResult> pairs, int cells) {
      kept.addAll(pairs);
      this.cells += cells;
    }
  }
}
