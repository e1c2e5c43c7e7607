package dev.graft.workflows.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.StepKind;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one state function the workflows' queries and the server's reader share. */
class OperationStatesTest {
  private static StepView step(String id, StepKind kind, StepState state) {
    return new StepView(
        id, id, null, kind, state, 1, 1L, null, null, null, null, null, false, List.of(),
        List.of());
  }

  private static final List<StepView> PARKED =
      List.of(step("verify/etcd", StepKind.STEP, StepState.NEEDS_ATTENTION));
  private static final List<StepView> GATE =
      List.of(step("approve", StepKind.GATE, StepState.NEEDS_ATTENTION));

  @Test
  void anEndedOperationKeepsItsEndWhateverItsStepsSay() {
    assertEquals(
        OperationState.ABORTED,
        OperationStates.of(OperationState.ABORTED, null, PARKED, true, true));
  }

  @Test
  void aParkedStepOfItsOwnOrOfAChildWinsOverAWaitingGate() {
    assertEquals(
        OperationState.NEEDS_ATTENTION,
        OperationStates.of(OperationState.RUNNING, null, GATE, true, false));
    assertEquals(
        OperationState.NEEDS_ATTENTION,
        OperationStates.of(
            OperationState.RUNNING, null, List.of(PARKED.get(0), GATE.get(0)), false, false));
    assertEquals(
        OperationState.WAITING_APPROVAL,
        OperationStates.of(OperationState.RUNNING, null, GATE, false, false));
    assertEquals(
        OperationState.WAITING_APPROVAL,
        OperationStates.of(OperationState.RUNNING, null, List.of(), false, true));
  }

  @Test
  void aWaitingStateTheStepsNoLongerShowIsRunning() {
    assertEquals(
        OperationState.RUNNING,
        OperationStates.of(OperationState.NEEDS_ATTENTION, null, List.of(), false, false));
    assertEquals(
        OperationState.RUNNING,
        OperationStates.of(OperationState.WAITING_APPROVAL, null, List.of(), false, false));
  }

  /**
   * An operator aborted: its children are being cancelled, a child's parked step until the
   * cancellation reaches it. Nothing waits for anyone (a poll right after the abort saw
   * needs-attention, found in CI by UpgradeLabTest).
   */
  @Test
  void anOperationBeingAbortedIsRunningNotWaitingForAnOperator() {
    assertEquals(
        OperationState.RUNNING,
        OperationStates.of(OperationState.RUNNING, OperationStates.ABORTING, PARKED, true, true));
    assertEquals(
        OperationState.ABORTED,
        OperationStates.of(OperationState.ABORTED, OperationStates.ABORTING, PARKED, true, true));
    assertTrue(
        OperationStates.message(PARKED, new ChildSteps(null), "ABORTING").startsWith("aborting"));
  }
}
