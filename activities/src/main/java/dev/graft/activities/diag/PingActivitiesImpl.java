package dev.graft.activities.diag;

import dev.graft.workflows.diag.PingActivities;
import dev.graft.workflows.diag.PingRequest;
import dev.graft.workflows.diag.PingResult;
import io.temporal.activity.Activity;

/** Echoes the diagnostic message with the identity of the worker that ran it; no side effects. */
public class PingActivitiesImpl implements PingActivities {
  private final String workerIdentity;

  public PingActivitiesImpl(String workerIdentity) {
    this.workerIdentity = workerIdentity;
  }

  @Override
  public PingResult echo(PingRequest request) {
    return new PingResult(
        request.message(),
        workerIdentity,
        Activity.getExecutionContext().getInfo().getWorkflowId());
  }
}
