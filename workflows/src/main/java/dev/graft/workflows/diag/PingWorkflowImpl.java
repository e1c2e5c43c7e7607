package dev.graft.workflows.diag;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

public class PingWorkflowImpl implements PingWorkflow {
  private final PingActivities activities =
      Workflow.newActivityStub(
          PingActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(10))
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
              .build());

  @Override
  public PingResult ping(PingRequest request) {
    PingResult echoed = activities.echo(request);
    return new PingResult(
        echoed.message(), echoed.workerIdentity(), Workflow.getInfo().getWorkflowId());
  }
}
