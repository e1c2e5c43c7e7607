package dev.graft.workflows.expand;

import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.StepKind;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import java.util.ArrayList;
import java.util.List;

/**
 * An operation's state and one-line message, from its own steps and its children's: the same for
 * every kind (expansion, upgrade, removal) and on both sides (the workflow's queries and the
 * server's reader), so the list, the CLI and the UI read them alike.
 */
public final class OperationStates {
  private OperationStates() {}

  /**
   * The phase of an operation an operator aborted, until it ends: its running children are being
   * cancelled and the compensations run. Nothing waits for an operator any more, whatever steps are
   * still parked (a child's parked step stays so until its cancellation reaches it).
   */
  public static final String ABORTING = "ABORTING";

  /**
   * The state of an operation from what is known of it (pure).
   *
   * <p>A step parked after its retries ({@code needs-attention}, the operation's own or a child's)
   * wins over an approval gate waiting ({@code waiting-approval}): something failed, the operation
   * cannot end until an operator looks at it, and approving the gate would not unblock it; a gate
   * is a pause the SRE planned, a failure is news, and showing the gate would hide it.
   *
   * @param reported how the operation ended, or what it last said of itself (null: nothing); a
   *     terminal state is kept, a waiting one that the steps no longer show becomes running
   * @param own the operation's own steps
   * @param childNeedsAttention a child has a step parked for an operator
   * @param childWaitsForApproval a child has an approval gate waiting
   */
  public static OperationState of(
      OperationState reported,
      List<StepView> own,
      boolean childNeedsAttention,
      boolean childWaitsForApproval) {
    return of(reported, null, own, childNeedsAttention, childWaitsForApproval);
  }

  /**
   * {@link #of(OperationState, List, boolean, boolean)}, with the operation's phase: an operation
   * {@link #ABORTING} is running (its abort), not waiting for anyone.
   */
  public static OperationState of(
      OperationState reported,
      String phase,
      List<StepView> own,
      boolean childNeedsAttention,
      boolean childWaitsForApproval) {
    if (reported != null && reported.terminal()) {
      return reported;
    }
    if (ABORTING.equals(phase)) {
      return OperationState.RUNNING;
    }
    if (childNeedsAttention
        || own.stream().anyMatch(s -> waiting(s) && s.kind() != StepKind.GATE)) {
      return OperationState.NEEDS_ATTENTION;
    }
    if (childWaitsForApproval
        || own.stream().anyMatch(s -> waiting(s) && s.kind() == StepKind.GATE)) {
      return OperationState.WAITING_APPROVAL;
    }
    return reported == null
            || reported == OperationState.NEEDS_ATTENTION
            || reported == OperationState.WAITING_APPROVAL
        ? OperationState.RUNNING
        : reported;
  }

  /** A running operation's state from its own steps and what its children signalled. */
  public static OperationState of(
      OperationState ended, String phase, List<StepView> own, ChildSteps children) {
    return of(ended, phase, own, children.anyWaiting(), false);
  }

  /** What waits for whom, else the phase (a PhaseKind-like name), else null. */
  public static String message(List<StepView> own, ChildSteps children, String phase) {
    if (ABORTING.equals(phase)) {
      return "aborting: running children are cancelled and run their compensations, then the"
          + " operation's own";
    }
    List<String> waiting = new ArrayList<>();
    own.stream()
        .filter(OperationStates::waiting)
        .forEach(
            s ->
                waiting.add(
                    s.id()
                        + (s.kind() == StepKind.GATE
                            ? " waits for approval"
                            : " needs attention")));
    waiting.addAll(children.waitingLines());
    return !waiting.isEmpty()
        ? String.join("; ", waiting)
        : phase != null ? "phase " + phase.toLowerCase().replace('_', '-') : null;
  }

  private static boolean waiting(StepView s) {
    return s.state() == StepState.NEEDS_ATTENTION;
  }
}
