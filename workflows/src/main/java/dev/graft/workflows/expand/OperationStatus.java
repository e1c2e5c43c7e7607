package dev.graft.workflows.expand;

import dev.graft.workflows.step.OperationChildren;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.Steps;
import java.util.ArrayList;
import java.util.List;

/**
 * An operation's state and one-line message, from its own steps and its children's signals: the
 * same for every kind (expansion, upgrade), so the list, the CLI and the UI read them alike.
 */
public final class OperationStatus {
  private OperationStatus() {}

  /** Ended if it has; else waiting for approval, needs attention (its own step or a child's), running. */
  public static OperationState state(OperationState ended, Steps steps, OperationChildren kids) {
    if (ended != null) {
      return ended;
    }
    if (steps.waitingForApproval()) {
      return OperationState.WAITING_APPROVAL;
    }
    return steps.needsAttention() || kids.anyWaiting() ? OperationState.NEEDS_ATTENTION : OperationState.RUNNING;
  }

  /** The line the cluster workflow and the operations list show for a running operation. */
  public static OperationSummary summary(OperationRequest request, OperationState ended, Steps steps,
      OperationChildren kids, String phase, Long startedAt, Long endedAt) {
    return new OperationSummary(request.operationId(), request.kind(), request.cluster().name(),
        state(ended, steps, kids), request.requestedBy(), null, startedAt, endedAt, message(steps, kids, phase));
  }

  /** What waits for whom, else the phase (a PhaseKind-like name), else null. */
  public static String message(Steps steps, OperationChildren kids, String phase) {
    List<String> waiting = new ArrayList<>();
    steps.view().stream()
        .filter(s -> s.state() == StepState.NEEDS_ATTENTION)
        .forEach(s -> waiting.add(s.id() + ("gate".equals(s.kind()) ? " waits for approval" : " needs attention")));
    waiting.addAll(kids.waitingLines());
    return !waiting.isEmpty() ? String.join("; ", waiting)
        : phase != null ? "phase " + phase.toLowerCase().replace('_', '-') : null;
  }
}
