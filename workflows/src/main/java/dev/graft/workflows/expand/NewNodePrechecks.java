package dev.graft.workflows.expand;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.join.HostActivities;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.Steps;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * The expansion's first phase: reach over SSH, then the pre-checks, on every new node in parallel.
 * Both are attempts (a failure is recorded, not parked for an operator): the expansion then
 * decides, from the options, whether to stop or to leave the failed nodes out.
 */
final class NewNodePrechecks {
  /** Pre-checks only read, but each holds an SSH session: bound them for the worker's sake. */
  static final int PARALLELISM = 50;

  private NewNodePrechecks() {}

  /** Runs them on the workflow's thread; returns the nodes that failed, in plan order. */
  static List<String> run(Steps steps, OperationRequest request, ExpansionInputs in) {
    HostActivities host =
        Workflow.newActivityStub(
            HostActivities.class, ActivityKinds.ssh(request.options().policy()));
    List<String> failed = new ArrayList<>();
    Parallel.forEach(
        in.newNodes(),
        PARALLELISM,
        n -> {
          try {
            steps.attempt(
                "reach/" + n.name(),
                "reach over SSH",
                n.name(),
                () -> host.reach(new HostRequest(request.cluster().name(), n)));
            steps.attempt(
                "precheck/" + n.name(),
                "pre-checks",
                n.name(),
                () -> host.precheck(in.precheck(n)));
          } catch (ActivityFailure e) {
            failed.add(n.name());
          }
        });
    // Sorted in plan order, not in the order the failures arrived.
    List<String> order = in.newNodes().stream().map(NodeSpec::name).toList();
    failed.sort((a, b) -> order.indexOf(a) - order.indexOf(b));
    return failed;
  }

  /** Declared before the run, so that a viewer sees every node's two steps from the start. */
  static void declare(Steps steps, ExpansionInputs in) {
    for (NodeSpec n : in.newNodes()) {
      steps.declare("reach/" + n.name(), "reach over SSH", n.name(), false);
      steps.declare("precheck/" + n.name(), "pre-checks", n.name(), false);
    }
  }
}
