package dev.graft.workflows.expand;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** Read-only checks of the whole cluster, for an operation's verification phase. */
@ActivityInterface(namePrefix = "Verify.")
public interface VerifyActivities {
  /**
   * Every named Node exists and is Ready; fails (retryable, type {@code NodesNotReady}) naming the
   * ones that are not, so a node still settling gets the step's retries.
   */
  StepOutcome nodesReady(NodesReadyRequest request);
}
