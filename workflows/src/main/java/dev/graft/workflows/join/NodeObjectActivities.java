package dev.graft.workflows.join;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** Steps on the Node object, through the Kubernetes API. */
@ActivityInterface(namePrefix = "NodeObject.")
public interface NodeObjectActivities {
  /** Creates or updates the Node with its role labels and taints (server-side apply). */
  StepOutcome register(NodeObjectRequest request);

  /** Waits for Ready (heartbeating), then uncordons and applies the final labels and taints. */
  StepOutcome awaitReady(ReadyRequest request);

  /** Compensation: deletes the Node object; already absent is success. */
  StepOutcome delete(NodeObjectRequest request);
}
