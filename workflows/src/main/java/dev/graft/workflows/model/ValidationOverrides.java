package dev.graft.workflows.model;

/**
 * Named, per-check overrides of validation. There is deliberately no "skip all checks" switch: each
 * override names the one check it relaxes, so an inventory says exactly which risk it accepts.
 * Evolve by adding fields (they default to false, i.e. the check applies).
 *
 * @param allowEvenEtcd accept a plan that leaves an even number of etcd members (an even count
 *     tolerates no more failures than the odd count below it, and splits votes more easily)
 */
public record ValidationOverrides(boolean allowEvenEtcd) {
  public static final ValidationOverrides NONE = new ValidationOverrides(false);
}
