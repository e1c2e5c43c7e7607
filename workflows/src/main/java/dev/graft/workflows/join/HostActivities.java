package dev.graft.workflows.join;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** Steps that run on a node over SSH. */
@ActivityInterface(namePrefix = "Host.")
public interface HostActivities {
  /** Connects with host-key verification and key auth; checks sudo when the node asks for it. */
  ReachResult reach(HostRequest request);

  /**
   * Runs every pre-check and reports each; fails (non-retryable) when any unfixable check fails.
   */
  PrecheckReport precheck(PrecheckRequest request);

  /** swapoff, kernel modules, sysctls, firewalld: each change applied only when needed. */
  StepOutcome provision(HostRequest request);
}
