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
 * <p>Only children report (a workflow started on its own has no one to tell), and only changes are
 * sent, so a run where nothing parks adds no event to either history.
 */
public final class AttentionReporter {
  /** The signal every parent operation declares to hear about its children. */
  public static final String SIGNAL = "childAttention";

  private final Steps steps;
  private final String parent;
  private List<String> reported = List.of();
  private boolean sending;
  private boolean finishing;
  private boolean stopped;

  private AttentionReporter(Steps steps, String parent) {
    this.steps = steps;
    this.parent = parent;
  }

  /** Starts watching {@code steps}; call once, at the start of the workflow method. */
  public static AttentionReporter start(Steps steps) {
    return start(steps, Workflow.getInfo().getParentWorkflowId());
  }

  /**
   * Starts watching {@code steps} for {@code parent}: the operation itself when the workflow is a
   * grandchild of it (a batch of the routing workflow), so that the operation hears of every
   * waiting step without its children relaying; empty for nobody.
   */
  public static AttentionReporter start(Steps steps, Optional<String> parent) {
    AttentionReporter reporter = new AttentionReporter(steps, parent.orElse(null));
    if (parent.isEmpty()) {
      reporter.stopped = true;
      return reporter;
    }
    Async.procedure(
        () -> {
          while (true) {
            Workflow.await(
                () ->
                    reporter.finishing
                        || reporter.stopped
                        || !waiting(steps).equals(reporter.reported));
            if (reporter.finishing || reporter.stopped) {
              return;
            }
            reporter.send(waiting(steps));
          }
        });
    return reporter;
  }

  /**
   * Tells the parent that nothing here waits any more, as this workflow ends. A workflow whose
   * parent is not the one that waits for its result (see {@link #start(Steps, Optional)}) calls it
   * before it returns: nothing else clears what that parent last heard, and a step left waiting by
   * an abort would otherwise show as needs-attention after the workflow ended.
   */
  public void finish() {
    Workflow.newDetachedCancellationScope(
            () -> {
              finishing = true;
              Workflow.await(() -> stopped || !sending);
              if (!stopped && !reported.isEmpty()) {
                send(List.of());
              }
              stopped = true;
            })
        .run();
  }

  private void send(List<String> now) {
    sending = true;
    try {
      Workflow.newUntypedExternalWorkflowStub(parent)
          .signal(SIGNAL, new ChildAttention(Workflow.getInfo().getWorkflowId(), now));
      reported = now;
    } catch (RuntimeException parentGone) {
      // The parent closed (or was never an operation): there is no one left to tell.
      stopped = true;
    } finally {
      sending = false;
    }
  }

  private static List<String> waiting(Steps steps) {
    return steps.view().stream()
        .filter(s -> s.state() == StepState.NEEDS_ATTENTION)
        .map(StepView::id)
        .toList();
  }
}
