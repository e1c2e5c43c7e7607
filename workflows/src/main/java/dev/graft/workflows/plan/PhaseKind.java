package dev.graft.workflows.plan;

/** The phases of an expansion, in the order they run. */
public enum PhaseKind {
  /** Every new node, in parallel: nothing changes until all pass. */
  PRECHECKS,
  /** Control-plane nodes and etcd members, strictly one at a time. */
  CONTROL_PLANE_AND_ETCD,
  /** Workers, in parallel up to {@code maxParallel}. */
  WORKERS,
  /** Pod routes on every node, new and existing. */
  ROUTING,
  /** Nodes Ready, etcd healthy, pod-to-pod traffic across nodes. */
  VERIFICATION
}
