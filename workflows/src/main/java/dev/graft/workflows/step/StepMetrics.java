package dev.graft.workflows.step;

import com.uber.m3.util.Duration;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * The step engine's metrics, reported through Temporal's workflow metrics scope ({@link
 * Workflow#getMetricsScope()}): the SDK drops what a workflow reports while it replays, so a
 * replayed step is not counted twice, and nothing here touches history (no command, no marker), so
 * adding or changing a metric never breaks the replay of a recorded run.
 *
 * <p>Labels are bounded: {@code step} is the step's kind, the part of its id before the first
 * {@code /} ({@code join/n3} → {@code join}, {@code reach} → {@code reach}), never a node name;
 * {@code failure_type} is the failure's type name (an {@code ApplicationFailure} type or an
 * exception class), which the code, not the input, chooses. The worker's registry adds the SDK's
 * own tags (namespace, task queue, workflow type) and the worker's identity.
 */
final class StepMetrics {
  static final String ATTEMPTS = "graft_step_attempts";
  static final String RETRIES = "graft_step_retries";
  static final String DURATION = "graft_step_duration";

  private StepMetrics() {}

  /** One attempt ended: succeeded, already-satisfied, failed, timed-out or worker-lost. */
  static void attempt(String stepId, String outcome, String failureType) {
    Workflow.getMetricsScope()
        .tagged(
            Map.of("step", kind(stepId), "outcome", outcome, "failure_type", orNone(failureType)))
        .counter(ATTEMPTS)
        .inc(1);
  }

  /** Another attempt starts after a failed one, by the engine ("graft") or by an operator. */
  static void retry(String stepId, String failureType, String by) {
    Workflow.getMetricsScope()
        .tagged(
            Map.of(
                "step",
                kind(stepId),
                "failure_type",
                orNone(failureType),
                "by",
                "graft".equals(by) ? "graft" : "operator"))
        .counter(RETRIES)
        .inc(1);
  }

  /**
   * A step reached an outcome (succeeded, already-satisfied, skipped, failed, needs-attention): the
   * time from its first start, operator waits included.
   */
  static void duration(String stepId, String outcome, Long startedAtMillis, Long endedAtMillis) {
    if (startedAtMillis == null || endedAtMillis == null || endedAtMillis < startedAtMillis) {
      return;
    }
    Workflow.getMetricsScope()
        .tagged(Map.of("step", kind(stepId), "outcome", outcome))
        .timer(DURATION)
        .record(Duration.ofMillis(endedAtMillis - startedAtMillis));
  }

  /** A step's kind: its id up to the first '/' ("join/n3" → "join"), bounded in length. */
  static String kind(String stepId) {
    if (stepId == null || stepId.isEmpty()) {
      return "unknown";
    }
    int slash = stepId.indexOf('/');
    String k = slash < 0 ? stepId : stepId.substring(0, slash);
    return k.length() > 40 ? k.substring(0, 40) : k;
  }

  private static String orNone(String s) {
    return s == null || s.isBlank() ? "none" : s.length() > 80 ? s.substring(0, 80) : s;
  }
}
