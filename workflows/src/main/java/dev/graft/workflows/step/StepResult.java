package dev.graft.workflows.step;

/**
 * Implemented by every activity result record, so the step engine can tell "did it" from "found it
 * already done" and keep the tail of what the step printed.
 */
public interface StepResult {
  /** True when the step found its work already done and changed nothing. */
  boolean alreadySatisfied();

  /** One line for people: what the step did or found. */
  String summary();

  /**
   * The activity attempt that produced this result (1 for a first-try success), read by the
   * activity from its execution context; the step engine adds it to the step's attempt count.
   */
  int attempt();

  /** The last lines of the step's output (commands run over SSH, API answers); may be empty. */
  default String outputTail() {
    return "";
  }
}
