package dev.graft.workflows.upgrade;

import dev.graft.workflows.step.StepResult;

/**
 * The etcd snapshot taken before an upgrade changes anything: where it is on its node, and its
 * checksum.
 */
public record SnapshotResult(
    boolean alreadySatisfied,
    String node,
    String path,
    String sha256,
    long bytes,
    String outputTail,
    int attempt)
    implements StepResult {
  @Override
  public String summary() {
    return (alreadySatisfied ? "etcd snapshot already taken: " : "etcd snapshot saved: ")
        + node
        + ":"
        + path
        + " ("
        + bytes
        + " bytes, sha256 "
        + sha256
        + ")";
  }
}
