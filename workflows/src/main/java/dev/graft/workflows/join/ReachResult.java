package dev.graft.workflows.join;

import dev.graft.workflows.step.Observation;

/** What reaching a host found: who it says it is, and the host key that was verified. */
public record ReachResult(
    String hostname, String kernel, String hostKeyFingerprint, boolean sudo, int attempt)
    implements Observation {
  @Override
  public String summary() {
    return "reached " + hostname + " (kernel " + kernel + ", host key " + hostKeyFingerprint + ")";
  }
}
