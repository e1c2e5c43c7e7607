package dev.graft.workflows.plan;

import java.util.List;

/**
 * A phase: its steps and how many of them may run at once ({@code 1} means strictly one after the
 * other, in the listed order).
 */
public record Phase(PhaseKind kind, String title, int parallelism, List<PlanStep> steps) {
  public Phase {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }
}
