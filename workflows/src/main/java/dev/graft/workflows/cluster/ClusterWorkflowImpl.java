package dev.graft.workflows.cluster;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.audit.ArchiveRequest;
import dev.graft.workflows.audit.ArchiveResult;
import dev.graft.workflows.audit.AuditArchiveActivities;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.ExpansionWorkflow;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.expand.OperationSummary;
import dev.graft.workflows.remove.RemovalWorkflow;
import dev.graft.workflows.step.Failures;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.upgrade.UpgradeWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The cluster's single writer: a FIFO of operations, run one at a time as children.
 *
 * <p><b>Parent close policy: ABANDON.</b> An expansion changes a cluster (nodes joined, etcd
 * members added) and must reach its own end, whatever happens to this queue: a terminated or reset
 * cluster workflow must neither kill an expansion halfway (TERMINATE) nor make it undo the nodes it
 * has joined (REQUEST_CANCEL runs its compensations). Operators stop an expansion with its own
 * {@code abort}. The price: a new cluster run started while an abandoned expansion still runs would
 * not know of it; etcd membership changes stay serialized by their own per-cluster id.
 *
 * <p>Continue-as-new only happens between operations (no child runs then), carrying the queue and
 * the recent list; so does the exit after {@link #IDLE} without work.
 */
public class ClusterWorkflowImpl implements ClusterWorkflow {
  private static final Logger LOG = Workflow.getLogger(ClusterWorkflowImpl.class);

  /** How long the workflow waits without work before it ends (the next submission restarts it). */
  static final Duration IDLE = Duration.ofMinutes(10);

  /** Finished operations kept in the list (older ones are in Temporal's own history and list). */
  static final int RECENT = 20;

  /** Queued operations accepted at once; more are recorded as failed, never silently dropped. */
  static final int QUEUE_LIMIT = 100;

  /** History length after which the workflow continues as new, between operations. */
  static final int HISTORY_LIMIT = 2_000;

  static final String EXPAND = "expand";
  static final String UPGRADE = "upgrade";
  static final String REMOVE = "remove";

  private String cluster;
  private final Deque<OperationRequest> queue = new ArrayDeque<>();
  private final Map<String, OperationSummary> queued = new LinkedHashMap<>();
  private final List<OperationSummary> recent = new ArrayList<>();
  private OperationSummary current;

  /** Submissions handled before run() restored the carried state: applied right after it. */
  private final List<OperationRequest> early = new ArrayList<>();

  private boolean restored;

  /** Archive writes still running: awaited before the workflow continues as new or ends. */
  private final List<Promise<ArchiveResult>> archives = new ArrayList<>();

  /** Workflow.getVersion change id: version 1 archives an ended operation's audit trail. */
  static final String AUDIT_ARCHIVE_CHANGE = "graft-audit-archive";

  /**
   * The archive write reads every history of the operation: a few seconds for hundreds of nodes.
   * Retried for about two hours (a full disk, a restarting worker), never when no archive directory
   * is configured on the worker.
   */
  private static final ActivityOptions ARCHIVE_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(5))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(10))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofMinutes(10))
                  .setMaximumAttempts(15)
                  .setDoNotRetry(FailureTypes.AUDIT_ARCHIVE_NOT_CONFIGURED)
                  .build())
          .build();

  @Override
  public void run(ClusterState carried) {
    cluster = carried != null && carried.cluster() != null ? carried.cluster() : clusterFromId();
    if (carried != null) {
      recent.addAll(carried.recent());
    }
    restored = true;
    if (carried != null) {
      carried.queue().forEach(this::submit);
    }
    early.forEach(this::submit);
    early.clear();
    while (true) {
      boolean work = Workflow.await(IDLE, () -> !queue.isEmpty());
      if (!work && queue.isEmpty()) {
        // Signals that arrived with this task are handled before the decision to end.
        Workflow.await(Workflow::isEveryHandlerFinished);
        awaitArchives();
        if (queue.isEmpty()) {
          LOG.info("cluster {}: idle for {}, ending", cluster, IDLE);
          return;
        }
      }
      runOne(queue.poll());
      if (Workflow.getInfo().isContinueAsNewSuggested()
          || Workflow.getInfo().getHistoryLength() > HISTORY_LIMIT) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        awaitArchives();
        LOG.info("cluster {}: continuing as new with {} queued", cluster, queue.size());
        Workflow.continueAsNew(new ClusterState(cluster, List.copyOf(queue), List.copyOf(recent)));
      }
    }
  }

  private void runOne(OperationRequest op) {
    OperationSummary q = queued.remove(op.operationId());
    long now = Workflow.currentTimeMillis();
    current =
        new OperationSummary(
            op.operationId(),
            op.kind(),
            cluster,
            OperationState.RUNNING,
            op.requestedBy(),
            q == null ? now : q.submittedAtMillis(),
            now,
            null,
            "starting");
    OperationState state;
    String message;
    try {
      ChildWorkflowOptions options =
          ChildWorkflowOptions.newBuilder()
              .setWorkflowId(op.operationId())
              .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
              // The requestId is an idempotency key: an id that already ran never runs again,
              // even after it has fallen out of the recent list.
              .setWorkflowIdReusePolicy(
                  WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
              .build();
      // Only the child's type differs between kinds: an expansion's commands are the same as
      // before upgrades existed, so recorded cluster histories replay unchanged.
      Promise<ExpansionResult> result;
      if (REMOVE.equals(op.kind())) {
        RemovalWorkflow child = Workflow.newChildWorkflowStub(RemovalWorkflow.class, options);
        result = Async.function(child::remove, op);
      } else if (UPGRADE.equals(op.kind())) {
        UpgradeWorkflow child = Workflow.newChildWorkflowStub(UpgradeWorkflow.class, options);
        result = Async.function(child::upgrade, op);
      } else {
        ExpansionWorkflow child = Workflow.newChildWorkflowStub(ExpansionWorkflow.class, options);
        result = Async.function(child::expand, op);
      }
      ExpansionResult r = result.get();
      state =
          r.outcome() == OperationOutcome.COMPLETED
              ? OperationState.DONE
              : r.outcome() == OperationOutcome.ABORTED
                  ? OperationState.ABORTED
                  : OperationState.FAILED;
      message = r.message();
    } catch (TemporalFailure e) {
      // The expansion failed as a workflow (not as an operation), or its id already ran.
      state = OperationState.FAILED;
      message = Failures.rootMessage(e);
    }
    // graft_operations_finished_total{kind,state}: reported through the workflow metrics scope,
    // which stays silent while the workflow replays (no history change, no double count).
    Workflow.getMetricsScope()
        .tagged(Map.of("kind", op.kind() == null ? "unknown" : op.kind(), "state", state.wire()))
        .counter("graft_operations_finished")
        .inc(1);
    finish(
        new OperationSummary(
            current.id(),
            current.kind(),
            cluster,
            state,
            current.requestedBy(),
            current.submittedAtMillis(),
            current.startedAtMillis(),
            Workflow.currentTimeMillis(),
            message));
    current = null;
    // The operation's workflow has closed: its trail is complete. Only requests that ask for it
    // (the server has an archive) and only runs that recorded this change archive, so histories
    // written before replay unchanged. The write runs beside the next operation, not before it.
    if (op.archiveAudit()
        && Workflow.getVersion(AUDIT_ARCHIVE_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1) {
      archives.removeIf(Promise::isCompleted);
      AuditArchiveActivities archiver =
          Workflow.newActivityStub(AuditArchiveActivities.class, ARCHIVE_OPTIONS);
      String id = op.operationId();
      archives.add(
          Async.function(archiver::archive, new ArchiveRequest(id))
              .exceptionally(
                  f -> {
                    LOG.warn(
                        "cluster {}: the audit trail of {} was not archived: {}",
                        cluster,
                        id,
                        Failures.rootMessage(f));
                    return null;
                  }));
    }
  }

  /** Waits for the archive writes still running (each ends, archived or logged as not). */
  private void awaitArchives() {
    for (Promise<ArchiveResult> p : archives) {
      p.get();
    }
    archives.clear();
  }

  private void finish(OperationSummary done) {
    recent.add(done);
    while (recent.size() > RECENT) {
      recent.remove(0);
    }
  }

  @Override
  public void submit(OperationRequest request) {
    if (!restored) {
      // A signal-with-start may deliver the signal before run() has restored what a
      // continue-as-new carried: deduplicate only once that state is back.
      early.add(request);
      return;
    }
    String id = request.operationId();
    if (known(id)) {
      LOG.info("cluster {}: {} already known, submission ignored", cluster, id);
      return;
    }
    long now = Workflow.currentTimeMillis();
    String refusal =
        !EXPAND.equals(request.kind())
                && !UPGRADE.equals(request.kind())
                && !REMOVE.equals(request.kind())
            ? "unknown operation kind " + request.kind()
            : UPGRADE.equals(request.kind()) && request.upgrade() == null
                ? "an upgrade submitted without its plan"
                : REMOVE.equals(request.kind()) && request.removal() == null
                    ? "a removal submitted without its plan"
                    : !cluster.equals(request.cluster().name())
                        ? "submitted to cluster "
                            + cluster
                            + " for cluster "
                            + request.cluster().name()
                        : queue.size() >= QUEUE_LIMIT
                            ? "the queue of cluster " + cluster + " is full (" + QUEUE_LIMIT + ")"
                            : null;
    if (refusal != null) {
      finish(
          new OperationSummary(
              id,
              request.kind(),
              cluster,
              OperationState.FAILED,
              request.requestedBy(),
              now,
              null,
              now,
              refusal));
      return;
    }
    queue.add(request);
    queued.put(
        id,
        new OperationSummary(
            id,
            request.kind(),
            cluster,
            OperationState.QUEUED,
            request.requestedBy(),
            now,
            null,
            null,
            "queued"));
  }

  private boolean known(String id) {
    return queued.containsKey(id)
        || (current != null && current.id().equals(id))
        || recent.stream().anyMatch(s -> s.id().equals(id));
  }

  @Override
  public void operationProgress(OperationSummary progress) {
    if (current == null || progress == null || !current.id().equals(progress.id())) {
      return;
    }
    current =
        new OperationSummary(
            current.id(),
            current.kind(),
            cluster,
            progress.state() != null ? progress.state() : current.state(),
            current.requestedBy(),
            current.submittedAtMillis(),
            current.startedAtMillis(),
            null,
            progress.message() != null ? progress.message() : current.message());
  }

  @Override
  public List<OperationSummary> operations() {
    List<OperationSummary> all = new ArrayList<>(recent);
    if (current != null) {
      all.add(current);
    }
    int ahead = current == null ? 0 : 1;
    for (OperationSummary q : queued.values()) {
      all.add(
          new OperationSummary(
              q.id(),
              q.kind(),
              q.cluster(),
              q.state(),
              q.requestedBy(),
              q.submittedAtMillis(),
              null,
              null,
              ahead == 0 ? "starts next" : "waits for " + ahead + " operation(s) before it"));
      ahead++;
    }
    return all;
  }

  private static String clusterFromId() {
    String id = Workflow.getInfo().getWorkflowId();
    return id.startsWith("cluster/") ? id.substring("cluster/".length()) : id;
  }
}
