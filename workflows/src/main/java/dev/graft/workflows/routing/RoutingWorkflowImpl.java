package dev.graft.workflows.routing;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.join.ExecutionPolicy;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class RoutingWorkflowImpl extends StepsWorkflow implements RoutingWorkflow {
  /** Matrix cells a result carries in full; above it, only the unreachable ones. */
  static final int MATRIX_LIMIT = 2_500;

  private final List<PairResult> matrix = new ArrayList<>();
  private String mode;
  private String note;
  private List<NodePodCidr> podCidrs = List.of();

  @Override
  public RoutingResult route(RoutingRequest r) {
    ExecutionPolicy policy = r.policy();
    PodNetworkApiActivities api =
        Workflow.newActivityStub(PodNetworkApiActivities.class, ActivityKinds.kube(policy));
    NodeRoutingActivities nodes =
        Workflow.newActivityStub(NodeRoutingActivities.class, ActivityKinds.ssh(policy));
    ClusterRequest cluster = new ClusterRequest(r.cluster(), r.kubeconfig());
    // Tells the parent operation when a step here parks for an operator, and when none does.
    dev.graft.workflows.step.AttentionReporter.start(steps);

    steps.declare("detect-cni", "detect a CNI that manages routes", null, false);
    steps.declare("allocate", "allocate pod CIDRs", null, false);

    OperationOutcome outcome =
        steps.operation(
            () -> {
              CniDetection cni =
                  steps.run("detect-cni", "detect a CNI that manages routes", null, false,
                      () -> api.detectCni(cluster));
              AllocationResult allocation =
                  steps.run("allocate", "allocate pod CIDRs", null, false,
                      () -> api.allocate(
                          new AllocationRequest(r.cluster(), r.kubeconfig(), r.podNetwork(), r.nodes())));
              podCidrs = allocation.nodes();
              if (cni != null && cni.found()) {
                mode = "cni:" + cni.cni();
                note = cni.summary();
                return;
              }
              mode = "routed";
              program(r, nodes);
              if (r.verify()) {
                verify(r, nodes);
              }
            });
    List<PairResult> sorted = new ArrayList<>(matrix);
    sorted.sort(Comparator.comparing(PairResult::from).thenComparing(PairResult::to));
    if (sorted.size() > MATRIX_LIMIT) {
      // n×(n−1) cells outgrow Temporal's payload limit (2 MB) near 200 nodes: a large cluster's
      // result keeps the unreachable pairs only; every row stays in its verify/<node> step.
      long reachable = sorted.stream().filter(PairResult::reachable).count();
      sorted = sorted.stream().filter(p -> !p.reachable()).toList();
      note = (note == null ? "" : note + "; ") + reachable + " of " + matrix.size()
          + " pairs reachable; the matrix lists the unreachable ones only (see each verify step)";
    }
    return new RoutingResult(r.cluster(), outcome, mode, note, podCidrs, sorted, steps.view());
  }

  /** One step per node, at most maxParallel at once; every node gets the full route set. */
  private void program(RoutingRequest r, NodeRoutingActivities nodes) {
    Map<String, NodePodCidr> byName = byName();
    for (NodeSpec n : r.nodes()) {
      steps.declare("routes/" + n.name(), "program pod routes", n.name(), false);
    }
    if (r.verify()) {
      for (NodeSpec n : r.nodes()) {
        steps.declare("verify/" + n.name(), "verify pod-to-pod from this node", n.name(), true);
      }
    }
    Parallel.forEach(
        r.nodes(),
        r.maxParallel(),
        n ->
            steps.run("routes/" + n.name(), "program pod routes", n.name(), false,
                () -> nodes.program(
                    new NodeRoutesRequest(
                        r.cluster(), n, byName.get(n.name()).podCidr(), r.podNetwork().cidr(),
                        RoutePlan.routesFor(n.name(), podCidrs)))));
  }

  /** One row of the matrix per node: its probe pings every other routed node's test address. */
  private void verify(RoutingRequest r, NodeRoutingActivities nodes) {
    Map<String, NodePodCidr> byName = byName();
    List<ProbeTarget> targets = new ArrayList<>();
    for (NodeSpec n : r.nodes()) {
      String address = r.verifyTargets().get(n.name());
      targets.add(new ProbeTarget(
          n.name(), address != null ? address : RoutePlan.gateway(byName.get(n.name()).podCidr())));
    }
    Parallel.forEach(
        r.nodes(),
        r.maxParallel(),
        n -> {
          List<ProbeTarget> others =
              targets.stream().filter(t -> !t.node().equals(n.name())).toList();
          VerifyResult row =
              steps.run("verify/" + n.name(), "verify pod-to-pod from this node", n.name(), true,
                  () -> nodes.verify(
                      new VerifyRequest(
                          r.cluster(), n, byName.get(n.name()).podCidr(), r.podNetwork().cidr(),
                          others)));
          if (row != null) {
            matrix.addAll(row.pairs());
          }
        });
  }

  private Map<String, NodePodCidr> byName() {
    Map<String, NodePodCidr> m = new LinkedHashMap<>();
    podCidrs.forEach(p -> m.put(p.node(), p));
    return m;
  }
}
