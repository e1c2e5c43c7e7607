package dev.graft.workflows.routing;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.workflow.Workflow;
import java.util.Optional;

public class RoutingBatchWorkflowImpl extends StepsWorkflow implements RoutingBatchWorkflow {
  @Override
  public RoutingBatchResult run(RoutingBatchRequest r) {
    NodeRoutingActivities nodes =
        Workflow.newActivityStub(
            NodeRoutingActivities.class,
            ActivityKinds.ssh(steps.ownRetries(r.policy(), ActivityKinds::steps)));
    // The operation hears of a waiting step here directly: the routing workflow only waits.
    AttentionReporter reporter = AttentionReporter.start(steps, Optional.ofNullable(r.reportTo()));
    boolean verify = RoutingRequest.VERIFY.equals(r.what());
    if (verify) {
      RouteSteps.declareVerify(steps, r.nodes());
    } else {
      RouteSteps.declareRoutes(steps, r.nodes());
    }
    RouteSteps.Matrix matrix = new RouteSteps.Matrix();
    OperationOutcome outcome =
        steps.operation(
            () -> {
              if (verify) {
                RouteSteps.verify(
                    steps,
                    nodes,
                    r.cluster(),
                    r.clusterCidr(),
                    r.nodes(),
                    r.podCidrs(),
                    r.targets(),
                    r.unreachableOnly(),
                    r.maxParallel(),
                    matrix);
              } else {
                RouteSteps.program(
                    steps,
                    nodes,
                    r.cluster(),
                    r.clusterCidr(),
                    r.nodes(),
                    r.podCidrs(),
                    r.maxParallel());
              }
            });
    reporter.finish();
    return new RoutingBatchResult(outcome, steps.view(), matrix.kept, matrix.cells);
  }
}
