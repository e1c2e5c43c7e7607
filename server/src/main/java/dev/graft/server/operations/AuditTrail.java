package dev.graft.server.operations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.graft.server.api.ApiProblem;
import dev.graft.server.audit.AuditArchive;
import dev.graft.server.temporal.TemporalConnection;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit trail of one operation, read from Temporal's histories (the operation's, its
 * children's, recursively, and the submission in its cluster workflow's): every activity attempt
 * with its step, node, start, end and result or failure, and every operator action (accepted {@code
 * decide} updates, signals) with who and when. Only what workflows hold is shown, and workflows
 * hold references, never secrets: each activity's input is shown as it was scheduled, shortened and
 * with anything that looks like a secret replaced ({@link AuditInputs}).
 */
public final class AuditTrail {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The most of a failed attempt's output the trail keeps per entry. */
  static final int OUTPUT_LIMIT = 2000;

  private final TemporalConnection temporal;

  /** Where ended operations' trails are archived (null: no archive). */
  private final AuditArchive archive;

  public AuditTrail(TemporalConnection temporal) {
    this(temporal, null);
  }

  public AuditTrail(TemporalConnection temporal, AuditArchive archive) {
    this.temporal = temporal;
    this.archive = archive;
  }

  /**
   * What {@code GET /operations/{id}/history} answers: the trail from Temporal while it has the
   * operation ({@code source: temporal}), else from the archive ({@code source: archive}, with the
   * checksum chain's verdict: {@code archive.intact}, and what broke in {@code problems}).
   */
  public Map<String, Object> history(String operationId) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", operationId);
    if (archive == null || OperationReader.describe(temporal, operationId).isPresent()) {
      out.put("entries", of(operationId));
      out.put("source", "temporal");
      return out;
    }
    AuditArchive.Trail t =
        archive
            .read(operationId)
            .orElseThrow(
                () ->
                    ApiProblem.of(
                        404,
                        "no operation "
                            + operationId
                            + " in Temporal or in the audit archive"
                            + " (a queued operation has no history yet)"));
    out.put("entries", t.entries());
    out.put("source", "archive");
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("intact", t.intact());
    a.put("problems", t.problems());
    a.put("lastHash", t.lastHash());
    a.put("archivedAtMillis", t.archivedAtMillis());
    out.put("archive", a);
    return out;
  }

  /** One fact of the trail. {@code kind}: submitted, started, ended, activity, decision, signal. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(
      String kind,
      long atMillis,
      String workflowId,
      String node,
      String step,
      Integer attempt,
      Long startedAtMillis,
      Long endedAtMillis,
      String outcome,
      String detail,
      String actor,
      String decision,
      String stepId,
      String reason,
      String identity,
      JsonNode input,
      String runId,
      String output) {
    /** An operation submitted to its cluster workflow ({@code detail}: "expand submitted"). */
    static Entry submitted(
        long atMillis, String cluster, String detail, String actor, String identity) {
      return new Entry(
          "submitted",
          atMillis,
          cluster,
          null,
          null,
          null,
          null,
          null,
          null,
          detail,
          actor,
          null,
          null,
          null,
          identity,
          null,
          null,
          null);
    }

    /** A workflow run started ({@code type}: its workflow type). */
    static Entry started(
        long atMillis,
        String workflowId,
        String node,
        String type,
        String actor,
        String identity,
        String runId) {
      return new Entry(
          "started",
          atMillis,
          workflowId,
          node,
          null,
          null,
          null,
          null,
          null,
          type,
          actor,
          null,
          null,
          null,
          identity,
          null,
          runId,
          null);
    }

    /**
     * A workflow run ended ({@code outcome}: completed, failed, terminated, canceled, timed_out).
     */
    static Entry ended(
        long atMillis, String workflowId, String node, String outcome, String detail) {
      return new Entry(
          "ended",
          atMillis,
          workflowId,
          node,
          null,
          null,
          null,
          null,
          outcome,
          detail,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null);
    }

    /**
     * One attempt of an activity ({@code type}: its activity type; {@code outcome}: how it ended).
     */
    static Entry activity(
        long atMillis,
        String workflowId,
        String node,
        String type,
        Integer attempt,
        Long startedAtMillis,
        Long endedAtMillis,
        String outcome,
        String detail,
        String identity,
        JsonNode input,
        String output) {
      return new Entry(
          "activity",
          atMillis,
          workflowId,
          node,
          type,
          attempt,
          startedAtMillis,
          endedAtMillis,
          outcome,
          detail,
          null,
          null,
          null,
          null,
          identity,
          input,
          null,
          output);
    }

    /** An operator's decision, accepted as an update ({@code update}: the update's name). */
    static Entry decision(
        long atMillis,
        String workflowId,
        String node,
        String update,
        String actor,
        String decision,
        String stepId,
        String reason,
        String identity) {
      return new Entry(
          "decision",
          atMillis,
          workflowId,
          node,
          null,
          null,
          null,
          null,
          "accepted",
          update,
          actor,
          decision,
          stepId,
          reason,
          identity,
          null,
          null,
          null);
    }

    /** A signal a workflow received ({@code name}: the signal's name). */
    static Entry signal(
        long atMillis, String workflowId, String node, String name, String actor, String identity) {
      return new Entry(
          "signal",
          atMillis,
          workflowId,
          node,
          null,
          null,
          null,
          null,
          null,
          name,
          actor,
          null,
          null,
          null,
          identity,
          null,
          null,
          null);
    }
  }

  public List<Entry> of(String operationId) {
    String runId =
        OperationReader.describe(temporal, operationId)
            .map(i -> i.getExecution().getRunId())
            .orElseThrow(
                () ->
                    ApiProblem.of(
                        404,
                        "no operation "
                            + operationId
                            + " has started (a queued operation has no history yet)"));
    List<Entry> out = new ArrayList<>();
    submissions(operationId, out);
    walk(operationId, runId.isEmpty() ? null : runId, out, 0);
    out.sort(Comparator.comparingLong(Entry::atMillis));
    return out;
  }

  /** The submit signals of this operation in its cluster workflow (latest run). */
  private void submissions(String operationId, List<Entry> out) {
    String cluster = OperationReader.clusterOf(operationId);
    String requestId = operationId.substring(operationId.lastIndexOf('/') + 1);
    WorkflowExecutionHistory h;
    try {
      h = temporal.client().fetchHistory(cluster);
    } catch (RuntimeException e) {
      return; // the cluster workflow's history is gone (retention): the operation's own remains
    }
    for (HistoryEvent e : h.getEvents()) {
      if (!e.hasWorkflowExecutionSignaledEventAttributes()) {
        continue;
      }
      var a = e.getWorkflowExecutionSignaledEventAttributes();
      JsonNode arg = first(a.getInput());
      if ("submit".equals(a.getSignalName())
          && arg != null
          && requestId.equals(arg.path("requestId").asText())) {
        out.add(
            Entry.submitted(
                millis(e),
                cluster,
                arg.path("kind").asText() + " submitted",
                arg.path("requestedBy").asText(null),
                a.getIdentity()));
      }
    }
  }

  private void walk(String workflowId, String runId, List<Entry> out, int depth) {
    WorkflowExecutionHistory h =
        runId == null
            ? temporal.client().fetchHistory(workflowId)
            : temporal.client().fetchHistory(workflowId, runId);
    String wfNode = nodeOf(workflowId);
    Map<Long, HistoryEvent> scheduled = new HashMap<>();
    Map<Long, HistoryEvent> started = new HashMap<>();
    // Attempts so far per activity type and node: the step engine calls an activity once per
    // attempt (each a Temporal attempt 1), older histories retried server-side (attempt N).
    Map<String, Integer> attempts = new HashMap<>();
    for (HistoryEvent e : h.getEvents()) {
      switch (e.getEventType()) {
        case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> {
          var a = e.getWorkflowExecutionStartedEventAttributes();
          JsonNode arg = first(a.getInput());
          out.add(
              Entry.started(
                  millis(e),
                  workflowId,
                  wfNode,
                  a.getWorkflowType().getName(),
                  arg != null && arg.hasNonNull("requestedBy")
                      ? arg.get("requestedBy").asText()
                      : null,
                  a.getIdentity(),
                  runId));
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
            EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
            EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
            EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> {
          String outcome =
              e.getEventType().name().replace("EVENT_TYPE_WORKFLOW_EXECUTION_", "").toLowerCase();
          String detail = null;
          if (e.hasWorkflowExecutionCompletedEventAttributes()) {
            JsonNode r = first(e.getWorkflowExecutionCompletedEventAttributes().getResult());
            detail =
                r == null
                    ? null
                    : r.isTextual()
                        ? r.asText()
                        : r.hasNonNull("outcome")
                            ? r.get("outcome").asText()
                                + (r.hasNonNull("message") ? ": " + r.get("message").asText() : "")
                            : null;
          } else if (e.hasWorkflowExecutionFailedEventAttributes()) {
            detail = message(e.getWorkflowExecutionFailedEventAttributes().getFailure());
          } else if (e.hasWorkflowExecutionTerminatedEventAttributes()) {
            detail = e.getWorkflowExecutionTerminatedEventAttributes().getReason();
          }
          out.add(Entry.ended(millis(e), workflowId, wfNode, outcome, detail));
        }
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> scheduled.put(e.getEventId(), e);
        case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
            started.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), e);
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
          var a = e.getActivityTaskCompletedEventAttributes();
          JsonNode r = first(a.getResult());
          out.add(
              activity(
                  workflowId,
                  wfNode,
                  scheduled.get(a.getScheduledEventId()),
                  started.get(a.getScheduledEventId()),
                  e,
                  "completed",
                  r != null && r.hasNonNull("summary") ? r.get("summary").asText() : null,
                  a.getIdentity(),
                  attempts,
                  null));
        }
        case EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
          var a = e.getActivityTaskFailedEventAttributes();
          out.add(
              activity(
                  workflowId,
                  wfNode,
                  scheduled.get(a.getScheduledEventId()),
                  started.get(a.getScheduledEventId()),
                  e,
                  "failed",
                  message(a.getFailure()),
                  a.getIdentity(),
                  attempts,
                  outputOf(a.getFailure())));
        }
        case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> {
          var a = e.getActivityTaskTimedOutEventAttributes();
          out.add(
              activity(
                  workflowId,
                  wfNode,
                  scheduled.get(a.getScheduledEventId()),
                  started.get(a.getScheduledEventId()),
                  e,
                  "timed-out",
                  timeoutMessage(a.getFailure()),
                  null,
                  attempts,
                  null));
        }
        case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> {
          var a = e.getActivityTaskCanceledEventAttributes();
          out.add(
              activity(
                  workflowId,
                  wfNode,
                  scheduled.get(a.getScheduledEventId()),
                  started.get(a.getScheduledEventId()),
                  e,
                  "canceled",
                  null,
                  a.getIdentity(),
                  attempts,
                  null));
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED -> {
          var a = e.getWorkflowExecutionUpdateAcceptedEventAttributes();
          var input = a.getAcceptedRequest().getInput();
          JsonNode req = first(input.getArgs());
          out.add(
              Entry.decision(
                  millis(e),
                  workflowId,
                  wfNode,
                  input.getName(),
                  text(req, "actor"),
                  text(req, "decision"),
                  text(req, "stepId"),
                  text(req, "reason"),
                  a.getAcceptedRequest().getMeta().getIdentity()));
        }
        case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> {
          var a = e.getWorkflowExecutionSignaledEventAttributes();
          JsonNode arg = first(a.getInput());
          out.add(
              Entry.signal(
                  millis(e),
                  workflowId,
                  wfNode,
                  a.getSignalName(),
                  arg == null
                      ? null
                      : text(arg, "actor") != null ? text(arg, "actor") : text(arg, "requestedBy"),
                  a.getIdentity()));
        }
        case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED -> {
          var exec = e.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
          if (depth < 4) {
            walk(exec.getWorkflowId(), exec.getRunId(), out, depth + 1);
          }
        }
        default -> {}
      }
    }
  }

  private Entry activity(
      String workflowId,
      String wfNode,
      HistoryEvent scheduledEvent,
      HistoryEvent startedEvent,
      HistoryEvent end,
      String outcome,
      String detail,
      String identity,
      Map<String, Integer> attempts,
      String output) {
    String type = null;
    String node = wfNode;
    JsonNode input = null;
    if (scheduledEvent != null) {
      var s = scheduledEvent.getActivityTaskScheduledEventAttributes();
      type = s.getActivityType().getName();
      JsonNode arg = first(s.getInput());
      input = AuditInputs.shown(arg);
      if (node == null) {
        node = nodeIn(arg);
      }
    }
    Integer attempt = null;
    Long startedAt = null;
    // Attempts of one step call the same activity with the same input (the node's, the pair's).
    String key = type + "|" + node + "|" + (input == null ? "" : input.toString());
    if (startedEvent != null) {
      int temporalAttempt = startedEvent.getActivityTaskStartedEventAttributes().getAttempt();
      attempt = attempts.getOrDefault(key, 0) + Math.max(1, temporalAttempt);
      attempts.put(key, attempt);
      startedAt = millis(startedEvent);
      if (identity == null) {
        identity = startedEvent.getActivityTaskStartedEventAttributes().getIdentity();
      }
    } else if ("timed-out".equals(outcome)) {
      // A worker that died mid-attempt never reported its start (Temporal writes the started
      // event of a retryable activity only when it closes): the attempt still counts, numbered.
      attempt = attempts.getOrDefault(key, 0) + 1;
      attempts.put(key, attempt);
    }
    return Entry.activity(
        startedAt != null ? startedAt : millis(end),
        workflowId,
        node,
        type,
        attempt,
        startedAt,
        millis(end),
        outcome,
        detail,
        identity,
        input,
        output);
  }

  /**
   * The output tail an activity attached to its failure (StepFailureDetails), bounded; else null.
   */
  static String outputOf(Failure f) {
    if (!f.hasApplicationFailureInfo() || !f.getApplicationFailureInfo().hasDetails()) {
      return null;
    }
    JsonNode d = first(f.getApplicationFailureInfo().getDetails());
    String tail = text(d, "outputTail");
    if (tail == null || tail.isBlank()) {
      return null;
    }
    return tail.length() <= OUTPUT_LIMIT
        ? tail
        : "…" + tail.substring(tail.length() - OUTPUT_LIMIT);
  }

  /** A timeout in words: a heartbeat timeout means the worker running the step was lost. */
  private static String timeoutMessage(Failure f) {
    if (f.hasTimeoutFailureInfo()
        && f.getTimeoutFailureInfo().getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT) {
      return "no heartbeat within the heartbeat timeout: the worker running this attempt died or lost"
          + " Temporal";
    }
    return message(f);
  }

  /** "cluster/x/expand/r/node/n3" → n3; "…/etcd/n3" → n3; otherwise null. */
  static String nodeOf(String workflowId) {
    String[] p = workflowId.split("/");
    if (p.length >= 2 && ("node".equals(p[p.length - 2]) || "etcd".equals(p[p.length - 2]))) {
      return p[p.length - 1];
    }
    return null;
  }

  private static String nodeIn(JsonNode arg) {
    if (arg == null) {
      return null;
    }
    JsonNode n = arg.path("node");
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isObject() && n.hasNonNull("name")) {
      return n.get("name").asText();
    }
    return null;
  }

  private static String text(JsonNode n, String field) {
    return n == null || !n.hasNonNull(field) ? null : n.get(field).asText();
  }

  private static String message(Failure f) {
    String m = f.getMessage();
    Failure c = f;
    while (c.hasCause()) {
      c = c.getCause();
      m = c.getMessage();
    }
    return m;
  }

  /** The first argument of a payload list, as JSON (Temporal's default converter writes JSON). */
  static JsonNode first(Payloads payloads) {
    if (payloads == null || payloads.getPayloadsCount() == 0) {
      return null;
    }
    Payload p = payloads.getPayloads(0);
    String encoding = p.getMetadataOrDefault("encoding", ByteString.EMPTY).toStringUtf8();
    if (!encoding.startsWith("json/")) {
      return null; // binary/null or an encrypted codec: nothing to read here
    }
    try {
      return JSON.readTree(p.getData().toByteArray());
    } catch (IOException e) {
      return null;
    }
  }

  private static long millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
  }
}
