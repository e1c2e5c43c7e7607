package dev.graft.workflows.step;

/**
 * The result of a step that only looks (reaches a host, reads versions, facts or health, runs
 * pre-checks): it changes nothing, so it never reports its work as already done.
 */
public interface Observation extends StepResult {
  @Override
  default boolean alreadySatisfied() {
    return false;
  }
}
