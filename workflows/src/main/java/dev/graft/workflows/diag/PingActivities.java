package dev.graft.workflows.diag;

import io.temporal.activity.ActivityInterface;

/** The activity half of the diagnostic round trip. */
@ActivityInterface(namePrefix = "Ping.")
public interface PingActivities {
  /** Returns the message unchanged, with the identity of the worker that ran it. */
  PingResult echo(PingRequest request);
}
