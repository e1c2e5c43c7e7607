package dev.graft.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * When each step a SIGKILL interrupted ran again on another worker: pure arithmetic over what the
 * round observed. A step is an activity (workflow id + activity type) that the killed worker had
 * started; it ran again at the earliest start, after the kill, of the same activity type in the
 * same workflow by another worker, seen either in the audit trail ({@code activity} entries: {@code
 * startedAtMillis}, {@code identity}) or in a later kill's snapshot of the activities in flight.
 * The trail alone is not enough: Temporal records only the attempt that ended a retried activity,
 * so if the retry was itself killed, only the snapshot of that later kill saw it start.
 */
final class Takeovers {
  /**
   * Activities that are housekeeping, not steps: best effort, not retried when their worker is lost
   * (NodeJoinWorkflowImpl.pruneRuns: a node keeps its run directories until a later launch prunes
   * them). A kill during one interrupts no step, so it is no takeover.
   */
  static final java.util.Set<String> HOUSEKEEPING = java.util.Set.of("Kubeadm.PruneRuns");

  private Takeovers() {}

  /**
   * One interrupted step. {@code resumedAtMillis} is null when it never ran again (the workflow
   * went another way). {@code pollingAtMillis}: when the replacement worker began to poll.
   */
  record Takeover(
      long killAtMillis,
      String workflowId,
      String activity,
      Long resumedAtMillis,
      String resumedBy,
      Long pollingAtMillis) {
    Long millis() {
      return resumedAtMillis == null ? null : resumedAtMillis - killAtMillis;
    }

    /**
     * From the replacement's first poll to the step's new start (the "≤ 15 s after it
     * polls").
     */
    Long afterPollMillis() {
      return resumedAtMillis == null || pollingAtMillis == null
          ? null
          : resumedAtMillis - pollingAtMillis;
    }
  }

  /** A start of an activity by some worker: from the trail or from a snapshot. */
  record Start(String workflowId, String activity, long atMillis, String identity) {}

  static List<Start> starts(JsonNode trail, List<RoundContext.Kill> kills) {
    List<Start> out = new ArrayList<>();
    for (JsonNode e : trail.path("entries").isArray() ? trail.path("entries") : trail) {
      if ("activity".equals(e.path("kind").asText()) && e.hasNonNull("startedAtMillis")) {
        out.add(
            new Start(
                e.path("workflowId").asText(),
                e.path("step").asText(),
                e.get("startedAtMillis").asLong(),
                e.path("identity").asText(null)));
      }
    }
    for (RoundContext.Kill k : kills) {
      for (ChaosHarness.InFlight f : k.interrupted()) {
        out.add(new Start(f.workflowId(), f.activity(), f.startedAtMillis(), f.worker()));
      }
    }
    return out;
  }

  static List<Takeover> of(List<RoundContext.Kill> kills, List<Start> starts) {
    List<Takeover> out = new ArrayList<>();
    for (RoundContext.Kill k : kills) {
      Long polling = k.replacement() == null ? null : k.replacement().pollingAtMillis();
      for (ChaosHarness.InFlight f : k.interrupted()) {
        if (HOUSEKEEPING.contains(f.activity())) {
          continue;
        }
        Start first = null;
        for (Start s : starts) {
          if (s.workflowId().equals(f.workflowId())
              && s.activity().equals(f.activity())
              && s.atMillis() > k.atMillis()
              && !k.killed().ran(s.identity())
              && (first == null || s.atMillis() < first.atMillis())) {
            first = s;
          }
        }
        out.add(
            new Takeover(
                k.atMillis(),
                f.workflowId(),
                f.activity(),
                first == null ? null : first.atMillis(),
                first == null ? null : first.identity(),
                polling));
      }
    }
    return out;
  }
}
