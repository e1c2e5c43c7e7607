package dev.graft.workflows.expand;

import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a workflow history's bytes went: its events grouped by what they carry (an activity's
 * input, its result, a child's start, an update), so a benchmark can name the cause of a growth
 * instead of only its size.
 */
final class HistorySize {
  /** Temporal's default hard limits per workflow execution (history_size_limit_error, _count_). */
  static final long MAX_BYTES = 50L * 1024 * 1024;

  static final long MAX_EVENTS = 51_200;

  private HistorySize() {}

  /** Bytes and counts per kind, largest first, e.g. "NodeRouting.verify result: 500 × 61,000 B". */
  static List<String> breakdown(History history, int top) {
    Map<Long, String> activityTypes = new HashMap<>();
    Map<String, long[]> kinds = new LinkedHashMap<>();
    for (HistoryEvent e : history.getEventsList()) {
      String kind;
      if (e.hasActivityTaskScheduledEventAttributes()) {
        String type = e.getActivityTaskScheduledEventAttributes().getActivityType().getName();
        activityTypes.put(e.getEventId(), type);
        kind = type + " input";
      } else if (e.hasActivityTaskCompletedEventAttributes()) {
        kind =
            activityTypes.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId())
                + " result";
      } else if (e.hasStartChildWorkflowExecutionInitiatedEventAttributes()) {
        kind =
            e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowType().getName()
                + " child input";
      } else if (e.hasChildWorkflowExecutionCompletedEventAttributes()) {
        kind =
            e.getChildWorkflowExecutionCompletedEventAttributes().getWorkflowType().getName()
                + " child result";
      } else {
        kind = e.getEventType().name().replace("EVENT_TYPE_", "").toLowerCase(Locale.ROOT);
      }
      long[] sum = kinds.computeIfAbsent(kind, k -> new long[2]);
      sum[0]++;
      sum[1] += e.getSerializedSize();
    }
    List<Map.Entry<String, long[]>> sorted = new ArrayList<>(kinds.entrySet());
    sorted.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, long[]> k : sorted.subList(0, Math.min(top, sorted.size()))) {
      long[] v = k.getValue();
      out.add(
          String.format(
              Locale.ROOT,
              "%-40s %,7d events %,13d bytes (%,d per event)",
              k.getKey(),
              v[0],
              v[1],
              v[1] / v[0]));
    }
    return out;
  }
}
