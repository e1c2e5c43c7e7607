package dev.graft.workflows.step;

import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a workflow body for each item, at most {@code limit} at a time (workflow-side: Temporal's
 * Async threads, which run one at a time and deterministically, so they may share {@link Steps}).
 */
public final class Parallel {
  private Parallel() {}

  /**
   * Starts {@code body} for each item in order, waiting for a free slot before each start, then
   * waits for all of them. Every body runs to its end even when another fails (an abort makes them
   * all end at their next step boundary); the first failure, in item order, is rethrown.
   */
  public static <T> void forEach(List<T> items, int limit, Consumer<T> body) {
    int bound = Math.max(1, limit);
    int[] running = {0};
    List<Promise<Void>> started = new ArrayList<>(items.size());
    for (T item : items) {
      Workflow.await(() -> running[0] < bound);
      running[0]++;
      started.add(
          Async.procedure(
              () -> {
                try {
                  body.accept(item);
                } finally {
                  running[0]--;
                }
              }));
    }
    Workflow.await(() -> started.stream().allMatch(Promise::isCompleted));
    for (Promise<Void> p : started) {
      p.get();
    }
  }
}
