package dev.graft.workflows.step;

import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.Optional;

/**
 * Lets a parent operation show {@code needs-attention} while one of its children waits for an
 * operator: each time the set of the child's waiting steps changes, the child signals its parent
 * ({@value #SIGNAL}, a {@link ChildAttention}). Operators still act on the child itself.
 *
 * <p>Only children report (a workflow started on its own has no one to tell), and only changes
 * are sent, so a run where nothing parks adds no event to either history.
 */
public final class AttentionReporter {
  /** The signal every parent operation declares to hear about its children. */
  public static final String SIGNAL = "childAttention";

  private AttentionReporter() {}

  /** Starts watching {@code steps}; call once, at the start of the workflow method. */
  public static void start(Steps steps) {
    Optional<String> parent = Workflow.getInfo().getParentWorkflowId();
    if (parent.isEmpty()) {
      return;
    }
    String self = Workflow.getInfo().getWorkflowId();
    Async.procedure(
        () -> {
          List<String> reported = List.of();
          while (true) {
            List<String> seen = reported;
            Workflow.await(() -> !waiting(steps).equals(seen));
            reported = waiting(steps);
            try {
              Workflow.newUntypedExternalWorkflowStub(parent.get())
                  .signal(SIGNAL, new ChildAttention(self, reported));
            } catch (RuntimeException parentGone) {
              // The parent closed (or was never an operation): there is no one left to tell.
              return;
            }
          }
        });
  }

  private static List<String> waiting(Steps steps) {
    return steps.view().stream()
        .filter(s -> s.state() == StepState.NEEDS_ATTENTION)
        .map(StepView::id)
        .toList();
  }
}
