package dev.graft.server.operations;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.graft.server.api.ApiProblem;
import dev.graft.server.temporal.TemporalConnection;
import dev.graft.workflows.cluster.ClusterWorkflow;
import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.expand.OperationStates;
import dev.graft.workflows.expand.OperationSummary;
import dev.graft.workflows.step.Failures;
import dev.graft.workflows.step.OperatedWorkflow;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowStub;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads operations from Temporal: the list (cluster workflows found through visibility, then their
 * {@code operations()} queries), one operation's state with every node's steps (the expansion's
 * {@code progress()} and {@code steps()}, then each child's {@code steps()}).
 */
public final class OperationReader {
  private static final Logger LOG = LoggerFactory.getLogger(OperationReader.class);
  static final String CLUSTER_TYPE = "ClusterWorkflow";
  static final Type STEPS_TYPE;

  static {
    try {
      STEPS_TYPE = OperatedWorkflow.class.getMethod("steps").getGenericReturnType();
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final TemporalConnection temporal;

  public OperationReader(TemporalConnection temporal) {
    this.temporal = temporal;
  }

  /** Whether a workflow with this id ever ran (within the namespace's retention). */
  static boolean exists(TemporalConnection temporal, String workflowId) {
    return describe(temporal, workflowId).isPresent();
  }

  /**
   * Longer than any workflow id Graft mints (cluster name and requestId are at most 63 characters
   * each, node names 253): such an id names nothing, and a real Temporal would answer
   * INVALID_ARGUMENT past its own limit (1,000), which must be a 404 like any unknown id, not a
   * 500.
   */
  static final int MAX_WORKFLOW_ID = 500;

  static Optional<WorkflowExecutionInfo> describe(TemporalConnection temporal, String workflowId) {
    if (workflowId.length() > MAX_WORKFLOW_ID) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          temporal
              .stubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(temporal.settings().getNamespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build())
              .getWorkflowExecutionInfo());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND
          || e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
        return Optional.empty();
      }
      throw e;
    }
  }

  TemporalConnection temporal() {
    return temporal;
  }

  WorkflowStub stub(String workflowId) {
    return temporal.client().newUntypedWorkflowStub(workflowId, Optional.empty(), Optional.empty());
  }

  @SuppressWarnings("unchecked")
  List<StepView> steps(String workflowId) {
    return stub(workflowId).query("steps", List.class, STEPS_TYPE);
  }

  /**
   * Every operation of every cluster, newest first. Cluster workflows are found with {@code
   * ListWorkflowExecutions} (a visibility query on the workflow type: any real Temporal) or, where
   * the server does not serve it (the embedded test server), with the older open and closed
   * listings filtered by type; each cluster workflow then answers its {@code operations()} query.
   */
  public Map<String, Object> list(String clusterFilter) {
    String source;
    Set<String> clusters = new LinkedHashSet<>();
    try {
      clusterIdsFromVisibility(clusters);
      source = "visibility";
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED
          && e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
        throw e;
      }
      LOG.debug(
          "ListWorkflowExecutions unavailable ({}); listing open and closed executions",
          e.getStatus());
      clusterIdsFromOpenAndClosed(clusters);
      source = "open-closed";
    }
    List<OperationSummary> ops = new ArrayList<>();
    List<Map<String, String>> errors = new ArrayList<>();
    for (String clusterId : clusters) {
      if (clusterFilter != null && !clusterId.equals(ClusterWorkflow.workflowId(clusterFilter))) {
        continue;
      }
      try {
        ops.addAll(clusterOperations(clusterId));
      } catch (RuntimeException e) {
        errors.add(Map.of("workflowId", clusterId, "error", Failures.rootMessage(e)));
      }
    }
    ops.sort(
        Comparator.comparing(
                (OperationSummary s) -> s.submittedAtMillis() == null ? 0L : s.submittedAtMillis())
            .reversed());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("operations", ops);
    out.put("clusters", clusters.size());
    out.put("source", source);
    out.put("errors", errors);
    return out;
  }

  private void clusterIdsFromVisibility(Set<String> out) {
    ByteString token = ByteString.EMPTY;
    do {
      var resp =
          temporal
              .stubs()
              .blockingStub()
              .listWorkflowExecutions(
                  ListWorkflowExecutionsRequest.newBuilder()
                      .setNamespace(temporal.settings().getNamespace())
                      .setQuery("WorkflowType = '" + CLUSTER_TYPE + "'")
                      .setPageSize(200)
                      .setNextPageToken(token)
                      .build());
      resp.getExecutionsList().forEach(i -> out.add(i.getExecution().getWorkflowId()));
      token = resp.getNextPageToken();
    } while (!token.isEmpty() && out.size() < 10_000);
  }

  private void clusterIdsFromOpenAndClosed(Set<String> out) {
    String ns = temporal.settings().getNamespace();
    WorkflowTypeFilter type = WorkflowTypeFilter.newBuilder().setName(CLUSTER_TYPE).build();
    var open =
        temporal
            .stubs()
            .blockingStub()
            .listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(ns)
                    .setTypeFilter(type)
                    .setMaximumPageSize(1000)
                    .build());
    // The embedded test server does not apply the type filter to these listings: the type is
    // checked here as well, or every expansion and join would be queried as a cluster.
    open.getExecutionsList().stream()
        .filter(OperationReader::isCluster)
        .forEach(i -> out.add(i.getExecution().getWorkflowId()));
    var closed =
        temporal
            .stubs()
            .blockingStub()
            .listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(ns)
                    .setTypeFilter(type)
                    .setMaximumPageSize(1000)
                    .build());
    closed.getExecutionsList().stream()
        .filter(OperationReader::isCluster)
        .forEach(i -> out.add(i.getExecution().getWorkflowId()));
  }

  private static boolean isCluster(WorkflowExecutionInfo i) {
    return CLUSTER_TYPE.equals(i.getType().getName());
  }

  @SuppressWarnings("unchecked")
  List<OperationSummary> clusterOperations(String clusterWorkflowId) {
    Type t;
    try {
      t = ClusterWorkflow.class.getMethod("operations").getGenericReturnType();
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
    return stub(clusterWorkflowId).query("operations", List.class, t);
  }

  /** The cluster workflow id an operation id belongs to: {@code cluster/<name>}. */
  static String clusterOf(String operationId) {
    String[] parts = operationId.split("/");
    return parts[0] + "/" + parts[1];
  }

  Optional<OperationSummary> summary(String operationId) {
    try {
      return clusterOperations(clusterOf(operationId)).stream()
          .filter(s -> operationId.equals(s.id()))
          .findFirst();
    } catch (RuntimeException e) {
      LOG.debug("cannot query the operations of {}: {}", clusterOf(operationId), e.toString());
      return Optional.empty();
    }
  }

  /**
   * One operation: its plan and state, its own steps, and each child's steps. The state is {@link
   * OperationStates#of}'s (as the workflow's own), from the steps read here: needs-attention when
   * any step of the operation or of a child is parked for a decision (a node's join parks in its
   * own workflow; the expansion itself only waits for it), else waiting-approval at a gate.
   */
  public OperationView detail(String id) {
    Optional<WorkflowExecutionInfo> info = describe(temporal, id);
    Optional<OperationSummary> summary = summary(id);
    if (info.isEmpty()) {
      OperationSummary s =
          summary.orElseThrow(
              () ->
                  ApiProblem.of(
                      404,
                      "no operation "
                          + id
                          + " (ids look like cluster/<name>/expand/<requestId> or cluster/<name>/upgrade/<requestId>)"));
      return new OperationView(
          id,
          s.cluster(),
          s.kind(),
          s.state(),
          null,
          s.requestedBy(),
          s.submittedAtMillis(),
          s.startedAtMillis(),
          s.endedAtMillis(),
          s.message(),
          null,
          List.of(),
          List.of(),
          null,
          List.of(),
          null,
          List.of(),
          null);
    }
    WorkflowExecutionStatus status = info.get().getStatus();
    String runId = info.get().getExecution().getRunId();
    boolean closed = status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    OperationView before = closed ? closedViews.get(id) : null;
    if (before != null && runId.equals(before.runId())) {
      return before;
    }
    WorkflowStub stub = stub(id);
    ExpansionProgress progress = stub.query("progress", ExpansionProgress.class);
    List<StepView> own = steps(id);
    List<OperationView.Child> children = children(progress.children(), own);
    ExpansionResult result = null;
    OperationState state = progress.state();
    String message = summary.map(OperationSummary::message).orElse(null);
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        && state != null
        && state.terminal()) {
      // The query was answered after the workflow's last task, which the describe before it had
      // not seen: the workflow has returned (or is returning), so its result is there to take.
      // Without this a poll saw "failed" or "done" with no result and no reason (found end to end).
      try {
        result = stub.getResult(5, TimeUnit.SECONDS, ExpansionResult.class);
        message = result.message();
      } catch (TimeoutException | RuntimeException e) {
        LOG.debug("{} says it ended but has no result yet: {}", id, e.toString());
      }
    }
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      result = stub.getResult(ExpansionResult.class);
      message = result.message();
    } else if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        && status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
        && (state == null || !state.terminal())) {
      state = OperationState.FAILED;
      message =
          "the operation's workflow ended "
              + status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase();
    }
    if (state != null && !state.terminal()) {
      state =
          OperationStates.of(
              state,
              progress.phase(),
              own,
              children.stream().anyMatch(OperationView.Child::needsAttention),
              children.stream().anyMatch(OperationView.Child::waitingApproval));
    }
    String cluster =
        progress.plan() != null
            ? progress.plan().clusterName()
            : progress.upgrade() != null
                ? progress.upgrade().cluster()
                : progress.removal() != null
                    ? progress.removal().cluster()
                    : clusterOf(id).substring(8);
    List<OperationView.Live> live =
        state != null && state.terminal() ? List.of() : live(id, own, children);
    OperationView view =
        new OperationView(
            id,
            cluster,
            id.split("/")[2],
            state,
            progress.phase(),
            summary.map(OperationSummary::requestedBy).orElse(null),
            summary.map(OperationSummary::submittedAtMillis).orElse(null),
            progress.startedAtMillis(),
            progress.endedAtMillis(),
            message,
            progress.plan(),
            own,
            children,
            result,
            OperationView.next(id, state, own, children),
            runId,
            live,
            progress.upgrade(),
            progress.removal());
    if (closed && state != null && state.terminal() && summary.isPresent()) {
      closedViews.put(id, view);
    }
    return view;
  }

  /**
   * Operations whose workflow has closed, as last read: nothing about them changes any more (a new
   * run under the same id has another run id, which misses). Reading one again would have a worker
   * replay the expansion's whole history twice (its progress and steps queries), seconds for a
   * 200-node operation, on every refresh of every open page.
   */
  private final Map<String, OperationView> closedViews =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, OperationView> eldest) {
              return size() > 200;
            }
          });

  /**
   * Every child's steps. A 200-node expansion has 200 children, each a query that a worker answers
   * (replaying the child when it is not cached): they run a few at a time, not one after another,
   * so that a page refreshing every few seconds gets its answer in time.
   */
  private List<OperationView.Child> children(Map<String, String> byKey, List<StepView> own) {
    if (byKey == null || byKey.isEmpty()) {
      return List.of();
    }
    // The operation's step that stands for each child has the child's key as its id ("node/n3",
    // "routing"); once that step is done, the child has ended and its steps are final.
    Map<String, StepView> wrappers = new HashMap<>();
    own.forEach(s -> wrappers.put(s.id(), s));
    List<Map.Entry<String, String>> entries = List.copyOf(byKey.entrySet());
    if (entries.size() == 1) {
      Map.Entry<String, String> e = entries.get(0);
      return List.of(child(e.getKey(), e.getValue(), wrappers.get(e.getKey())));
    }
    List<CompletableFuture<OperationView.Child>> futures = new ArrayList<>();
    for (Map.Entry<String, String> e : entries) {
      futures.add(
          CompletableFuture.supplyAsync(
              () -> child(e.getKey(), e.getValue(), wrappers.get(e.getKey())), QUERIES));
    }
    List<OperationView.Child> out = new ArrayList<>(entries.size());
    for (var f : futures) {
      out.add(f.join()); // child() answers an empty child instead of throwing
    }
    return out;
  }

  /** Bounds the child queries one detail sends at once (and across concurrent requests). */
  private static final ExecutorService QUERIES =
      Executors.newFixedThreadPool(
          8,
          r -> {
            Thread t = new Thread(r, "graft-child-queries");
            t.setDaemon(true);
            return t;
          });

  /**
   * The activities in flight in the operation and in each child that has a step running, with their
   * latest heartbeat (an SSH step's latest output line) and the last attempt's failure while
   * Temporal waits to retry. Only workflows with a running step are described, so a 200-node
   * operation costs as many calls as it has joins running at once.
   */
  private List<OperationView.Live> live(
      String id, List<StepView> own, List<OperationView.Child> children) {
    List<OperationView.Live> out = new ArrayList<>();
    if (own.stream().anyMatch(s -> s.state() == StepState.RUNNING)) {
      pending(id, null, out);
    }
    for (OperationView.Child c : children) {
      if (c.steps().stream().anyMatch(s -> s.state() == StepState.RUNNING)) {
        pending(c.workflowId(), c.node(), out);
      }
    }
    return out;
  }

  private void pending(String workflowId, String node, List<OperationView.Live> out) {
    DescribeWorkflowExecutionResponse d;
    try {
      d =
          temporal
              .stubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(temporal.settings().getNamespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build());
    } catch (StatusRuntimeException e) {
      LOG.debug("cannot describe {}: {}", workflowId, e.getStatus());
      return;
    }
    for (var p : d.getPendingActivitiesList()) {
      JsonNode details = p.hasHeartbeatDetails() ? AuditTrail.first(p.getHeartbeatDetails()) : null;
      out.add(
          new OperationView.Live(
              workflowId,
              node,
              p.getActivityId(),
              p.getActivityType().getName(),
              p.getState()
                  .name()
                  .replace("PENDING_ACTIVITY_STATE_", "")
                  .toLowerCase(Locale.ROOT)
                  .replace('_', '-'),
              p.getAttempt(),
              p.getMaximumAttempts(),
              p.hasScheduledTime() ? millis(p.getScheduledTime()) : null,
              p.hasLastStartedTime() ? millis(p.getLastStartedTime()) : null,
              p.hasLastHeartbeatTime() ? millis(p.getLastHeartbeatTime()) : null,
              details == null ? null : details.isTextual() ? details.asText() : details.toString(),
              p.hasLastFailure() ? p.getLastFailure().getMessage() : null,
              p.getLastWorkerIdentity().isEmpty() ? null : p.getLastWorkerIdentity()));
    }
  }

  private static long millis(Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  /** A child's result: every child workflow returns its steps as they ended. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ChildResult(List<StepView> steps) {}

  private record Ended(long endedAtMillis, List<StepView> steps) {}

  /**
   * Steps of children that have ended, by workflow id, with the end of the step that stands for
   * them (a retry runs the child again and ends that step later, which misses here). A closed
   * workflow's steps never change, so a finished 200-node operation is read without asking a worker
   * 200 queries (each a replay of the child) on every refresh.
   */
  private final Map<String, Ended> ended =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Ended> eldest) {
              return size() > 20_000;
            }
          });

  private OperationView.Child child(String key, String workflowId, StepView wrapper) {
    String node = key.contains("/") ? key.substring(key.indexOf('/') + 1) : null;
    if (wrapper != null && wrapper.state().isDone() && wrapper.endedAtMillis() != null) {
      Ended e = ended.get(workflowId);
      if (e != null && e.endedAtMillis() == wrapper.endedAtMillis()) {
        return new OperationView.Child(key, workflowId, node, e.steps());
      }
      try {
        // Its result, from history: the server answers without a worker replaying the child.
        ChildResult r = stub(workflowId).getResult(5, TimeUnit.SECONDS, ChildResult.class);
        if (r != null && r.steps() != null) {
          ended.put(workflowId, new Ended(wrapper.endedAtMillis(), List.copyOf(r.steps())));
          return new OperationView.Child(key, workflowId, node, r.steps());
        }
      } catch (RuntimeException | TimeoutException e2) {
        LOG.debug("no result of {} ({}); querying its steps", workflowId, e2.toString());
      }
    }
    try {
      List<StepView> steps = steps(workflowId);
      return new OperationView.Child(key, workflowId, node, steps);
    } catch (RuntimeException e) {
      // Not started yet (the expansion names its children ahead), or its worker is gone.
      LOG.debug("cannot query the steps of {}: {}", workflowId, e.toString());
      return new OperationView.Child(key, workflowId, node, List.of());
    }
  }

  static boolean waiting(StepView s) {
    return s.state() == StepState.NEEDS_ATTENTION;
  }
}
