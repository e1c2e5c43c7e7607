package dev.graft.workflows.plan;

/**
 * Knobs of one planning run.
 *
 * @param maxParallel how many workers join at once (pre-checks and routing are not limited by it)
 */
public record PlanOptions(int maxParallel) {
  public static final int DEFAULT_MAX_PARALLEL = 5;
  public static final PlanOptions DEFAULTS = new PlanOptions(DEFAULT_MAX_PARALLEL);

  public PlanOptions {
    if (maxParallel < 1) {
      throw new IllegalArgumentException("maxParallel must be at least 1, got " + maxParallel);
    }
  }
}
