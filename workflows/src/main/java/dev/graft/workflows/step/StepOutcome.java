package dev.graft.workflows.step;

/** The result of a step that returns nothing but what it did (most of them). */
public record StepOutcome(boolean alreadySatisfied, String summary, String outputTail, int attempt)
    implements StepResult {
  public static StepOutcome did(String summary, String outputTail, int attempt) {
    return new StepOutcome(false, summary, outputTail, attempt);
  }

  public static StepOutcome alreadyDone(String summary, String outputTail, int attempt) {
    return new StepOutcome(true, summary, outputTail, attempt);
  }
}
