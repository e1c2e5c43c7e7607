package dev.graft.workflows.expand;

import dev.graft.workflows.routing.PairResult;
import dev.graft.workflows.routing.RoutingRequest;
import dev.graft.workflows.routing.RoutingWorkflow;
import dev.graft.workflows.step.ChildSteps;
import io.temporal.workflow.Async;

/** The expansion's routing phase: one step, {@code routing}, that a routing child stands for. */
final class RoutingStep {
  private RoutingStep() {}

  static void run(ChildSteps children, String operationId, RoutingRequest routingRequest) {
    String childId = RoutingRequest.workflowId(operationId);
    // A large cluster's routing runs its node steps in batch children: operators act on those.
    children.expect("routing", childId);
    routingRequest.batchChildren().forEach(children::expect);
    children.step(
        "routing",
        "pod routes on every node",
        null,
        false,
        ChildSteps.child(
            childId,
            "routing",
            RoutingWorkflow.class,
            c -> Async.function(c::route, routingRequest)),
        result -> {
          long reachable = result.matrix().stream().filter(PairResult::reachable).count();
          String verified =
              result.note() != null
                  ? result.note()
                  : reachable + "/" + result.matrix().size() + " pod-to-pod pairs reachable";
          return ChildStepResult.of(
              "routing " + result.mode() + " (" + verified + ")", result.steps());
        });
  }
}
