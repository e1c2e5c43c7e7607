package dev.graft.workflows.routing;

import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.ActivityInterface;

/** The pod network on a node, over SSH. */
@ActivityInterface(namePrefix = "NodeRouting.")
public interface NodeRoutingActivities {
  /**
   * Brings the node to its routed pod network (cbr0, ip_forward, FORWARD rule, routes), persisted
   * for reboots; changes only what differs and reports already-satisfied when nothing did.
   */
  StepOutcome program(NodeRoutesRequest request);

  /** Pings every target from a probe namespace on the node; fails when any pair is unreachable. */
  VerifyResult verify(VerifyRequest request);
}
