package dev.graft.workflows.expand;

import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Keeps the cluster workflow's list live: each time the operation's state or its one-line message
 * changes (a phase starts, a step or a child parks, an approval gate opens), the operation signals
 * its parent ({@code ClusterWorkflow.operationProgress}, by name: the cluster workflow runs the
 * operations). A handful of signals per run; none when the operation was started on its own (tests,
 * tools).
 */
public final class ProgressReporter {
  /** The cluster workflow's signal that hears its operations' progress. */
  public static final String SIGNAL = "operationProgress";

  private ProgressReporter() {}

  public static void start(Supplier<OperationSummary> summary) {
    var parent = Workflow.getInfo().getParentWorkflowId();
    if (parent.isEmpty()) {
      return;
    }
    Async.procedure(
        () -> {
          String reported = null;
          while (true) {
            String seen = reported;
            Workflow.await(() -> !Objects.equals(key(summary.get()), seen));
            OperationSummary now = summary.get();
            reported = key(now);
            if (now.state().terminal()) {
              return; // the cluster workflow learns the end from the result
            }
            try {
              Workflow.newUntypedExternalWorkflowStub(parent.get()).signal(SIGNAL, now);
            } catch (RuntimeException parentGone) {
              return; // abandoned by a cluster workflow that closed: no one to tell
            }
          }
        });
  }

  private static String key(OperationSummary s) {
    return s.state() + "|" + s.message();
  }
}
