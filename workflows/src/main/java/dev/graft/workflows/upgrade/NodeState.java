package dev.graft.workflows.upgrade;

import dev.graft.workflows.step.Observation;

/** A Node as the API shows it: the version its kubelet reports, Ready, cordoned. */
public record NodeState(
    String node, String kubeletVersion, boolean ready, boolean unschedulable, int attempt)
    implements Observation {
  @Override
  public String summary() {
    return node
        + ": kubelet "
        + kubeletVersion
        + ", "
        + (ready ? "Ready" : "NotReady")
        + (unschedulable ? ", cordoned" : "");
  }
}
