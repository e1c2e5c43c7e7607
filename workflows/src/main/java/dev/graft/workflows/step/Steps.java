package dev.graft.workflows.step;

import dev.graft.workflows.FailureTypes;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * The step engine every Graft workflow uses (workflow-side, deterministic).
 *
 * <p>A step is one activity call. Temporal retries it per its activity options; when the retries
 * are exhausted the step does not fail the workflow: it parks in {@code needs-attention} with the
 * error and the tail of the output, and waits for an operator's {@code retry}, {@code skip} (only
 * skippable steps) or {@code abort}. An abort runs the compensations registered so far, in reverse
 * order, in a detached cancellation scope. Approval gates are steps that wait for {@code approve}.
 *
 * <p>All state lives in fields of the workflow instance, so queries read it and replay rebuilds it.
 */
public final class Steps {
  private static final Logger LOG = Workflow.getLogger(Steps.class);
  private static final int OUTPUT_TAIL_LIMIT = 4000;

  private final Map<String, Step> steps = new LinkedHashMap<>();
  private final Deque<Compensation> compensations = new ArrayDeque<>();
  private final List<OperatorAction> actions = new ArrayList<>();
  private OperatorRequest pending;
  private OperatorAction abort;

  /** How the engine retries failed activities itself; null: Temporal retries server-side. */
  private RetryPlan retries;

  /**
   * Workflow.getVersion change id: version 1 retries failed steps in the engine ({@link
   * #ownRetries}).
   */
  public static final String GRAFT_RETRIES_CHANGE = "graft-retries";

  /** Attempts a step keeps in its record: the first ones (the root cause) and the latest. */
  static final int ATTEMPTS_KEPT = 20;

  private static final int ATTEMPT_OUTPUT_LIMIT = 1500;

  /** Lost workers after which a step parks anyway (it may be what kills them). */
  static final int MAX_WORKERS_LOST = 10;

  /** Thrown inside {@link #operation} when an operator aborts; never escapes it. */
  private static final class Aborted extends RuntimeException {
    Aborted() {
      super(null, null, false, false);
    }
  }

  private record Compensation(String id, String name, String node, Runnable undo) {}

  private static final class Step {
    final String id;
    final String name;
    final String node;
    final StepKind kind;
    final boolean skippable;
    StepState state = StepState.PENDING;
    int attempts;
    Long startedAt;
    Long endedAt;
    String summary;
    String outputTail;
    String error;
    String errorType;
    final List<OperatorAction> actions = new ArrayList<>();
    final List<StepAttempt> history = new ArrayList<>();
    Long attemptStartedAt;

    Step(String id, String name, String node, StepKind kind, boolean skippable) {
      this.id = id;
      this.name = name;
      this.node = node;
      this.kind = kind;
      this.skippable = skippable;
    }

    StepView view() {
      return new StepView(
          id,
          name,
          node,
          kind,
          state,
          attempts,
          startedAt,
          endedAt,
          summary,
          outputTail,
          error,
          errorType,
          skippable,
          List.copyOf(actions),
          List.copyOf(history));
    }
  }

  /** Declares a step ahead of time, so progress shows it as pending before it runs. */
  public void declare(String id, String name, String node, boolean skippable) {
    steps.computeIfAbsent(id, k -> new Step(id, name, node, StepKind.STEP, skippable));
  }

  /**
   * Declares an approval gate (pending until {@link #gate} reaches it), so it shows in its place.
   */
  public void declareGate(String id, String name, String node) {
    steps.computeIfAbsent(id, k -> new Step(id, name, node, StepKind.GATE, false));
  }

  /**
   * Called by each workflow before it builds its activity stubs: decides, by this execution's
   * {@code Workflow.getVersion}, whether the engine retries failed steps itself (version 1: every
   * activity call is one Temporal attempt and each attempt is recorded in the step, with its error
   * and output, and in history) or Temporal does (histories written before). Returns the policy
   * with {@link ExecutionPolicy#graftRetries()} set accordingly, which is what the stubs' options
   * read.
   *
   * @param plan the retry plan of an ordinary step of this workflow, from the policy
   */
  public ExecutionPolicy ownRetries(
      ExecutionPolicy policy, Function<ExecutionPolicy, RetryPlan> plan) {
    ExecutionPolicy p = policy == null ? ExecutionPolicy.DEFAULTS : policy;
    boolean own = Workflow.getVersion(GRAFT_RETRIES_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
    p = p.withGraftRetries(own);
    retries = own ? plan.apply(p) : null;
    return p;
  }

  /**
   * Runs the body as an operation: an operator's abort (at a step boundary or while a step waits
   * for a decision) stops it, runs the compensations in reverse order and returns ABORTED.
   */
  public OperationOutcome operation(Runnable body) {
    try {
      body.run();
      return OperationOutcome.COMPLETED;
    } catch (Aborted e) {
      compensate();
      return OperationOutcome.ABORTED;
    } catch (CanceledFailure e) {
      // A cancellation (the parent operation aborting, or a cancel from the UI) is an abort
      // without an operator decision here: the compensations run all the same.
      LOG.info("operation cancelled: running compensations");
      compensate();
      return OperationOutcome.ABORTED;
    }
  }

  /**
   * Runs one step. Returns the activity's result, or null when an operator skipped the step.
   *
   * @param call the activity call; its exhausted retries surface as an {@link ActivityFailure}
   */
  public <R extends StepResult> R run(
      String id, String name, String node, boolean skippable, Supplier<R> call) {
    return run(id, name, node, skippable, retries, call);
  }

  /**
   * {@link #run(String, String, String, boolean, Supplier)} with a retry plan of its own (etcd
   * changes).
   */
  public <R extends StepResult> R run(
      String id, String name, String node, boolean skippable, RetryPlan plan, Supplier<R> call) {
    Step step = steps.computeIfAbsent(id, k -> new Step(id, name, node, StepKind.STEP, skippable));
    if (step.state.isDone()) {
      return null; // a step already done in this execution is never run again
    }
    while (true) {
      begin(step);
      try {
        return succeeded(step, callWithRetries(step, retries == null ? null : plan, call));
      } catch (ActivityFailure | ChildWorkflowFailure | ApplicationFailure failure) {
        // An exhausted activity, a child workflow that failed, or a failure the workflow raised
        // itself for this step (a child that ended aborted): each parks the step alike.
        recordFailure(step, failure);
        StepMetrics.duration(
            step.id, StepState.NEEDS_ATTENTION.wire(), step.startedAt, step.endedAt);
        Decision decision = awaitDecision(step);
        if (decision == Decision.SKIP) {
          step.state = StepState.SKIPPED;
          step.endedAt = Workflow.currentTimeMillis();
          StepMetrics.duration(step.id, step.state.wire(), step.startedAt, step.endedAt);
          return null;
        }
        // RETRY: loop and call again; ABORT was thrown by awaitDecision.
        // The operator whose retry starts the next attempt: the decision just recorded on the step.
        markRetried(step, step.actions.get(step.actions.size() - 1).actor());
      }
    }
  }

  /**
   * Calls the step's activity, and when the engine owns retries, calls it again after a retryable
   * failure (a worker lost at once, others after the plan's backoff) until the plan's attempts are
   * used up. Each failed attempt is recorded in the step before the next one starts; the last
   * failure is rethrown for the caller to park or handle.
   */
  private <R extends StepResult> R callWithRetries(Step step, RetryPlan plan, Supplier<R> call) {
    int failures = 0;
    int lost = 0;
    while (true) {
      step.attemptStartedAt = Workflow.currentTimeMillis();
      try {
        return callInContext(step, call);
      } catch (ActivityFailure failure) {
        // A worker lost mid-attempt is not the step's failure (the node is fine, the worker died):
        // it does not use up the plan's attempts, but a step whose workers keep dying is suspect.
        boolean workerLost = workerLost(failure.getCause());
        if (workerLost) {
          lost++;
        } else {
          failures++;
        }
        boolean again =
            plan != null
                && retryable(failure, plan)
                && (workerLost ? lost <= MAX_WORKERS_LOST : failures < plan.maxAttempts());
        if (!again) {
          throw failure;
        }
        StepAttempt failed = recordAttemptFailure(step, failure);
        boolean now = failure.getCause() instanceof TimeoutFailure;
        Duration wait = now ? Duration.ZERO : plan.backoff(failures + 1);
        markRetried(step, "graft");
        step.summary =
            "attempt "
                + failed.number()
                + " "
                + failed.outcome()
                + " ("
                + failed.error()
                + ")"
                + (wait.isZero() ? "; retrying now" : "; retrying in " + wait.toSeconds() + " s");
        logStep(
            step,
            failed.number(),
            () ->
                LOG.warn(
                    "step {} attempt {} {}: {}; retrying",
                    step.id,
                    failed.number(),
                    failed.outcome(),
                    failed.error()));
        if (!wait.isZero()) {
          Workflow.await(wait, () -> abort != null);
        }
        checkAbort();
      }
    }
  }

  /**
   * Calls with the step set as this workflow thread's {@link StepContext}: the worker's interceptor
   * copies it into the activity's headers (the activity's log lines then carry step, node and
   * attempt). Headers are not compared on replay, so histories without them replay.
   */
  private static <R> R callInContext(Step step, Supplier<R> call) {
    StepContext.set(new StepContext(step.id, step.node, step.attempts + 1));
    try {
      return call.get();
    } finally {
      StepContext.set(null);
    }
  }

  /**
   * The step's fields in the logging context of this workflow thread for one log line (workflow
   * logs go through {@code Workflow.getLogger}, which stays silent on replay): with the operation,
   * cluster and node the worker's interceptor sets, a log system follows one step.
   */
  private static void logStep(Step step, int attempt, Runnable log) {
    try (MDC.MDCCloseable s = MDC.putCloseable("step", step.id);
        MDC.MDCCloseable a = MDC.putCloseable("attempt", String.valueOf(attempt))) {
      log.run();
    }
  }

  /**
   * Whether the engine may call again: a failure the activity or its options did not call
   * non-retryable (non-retryable flag, a type in the plan's do-not-retry list, a schedule-to-close
   * budget spent, a cancellation).
   */
  private static boolean retryable(ActivityFailure failure, RetryPlan plan) {
    if (failure.getRetryState() == RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
        || failure.getRetryState() == RetryState.RETRY_STATE_TIMEOUT
        || failure.getRetryState() == RetryState.RETRY_STATE_CANCEL_REQUESTED) {
      return false;
    }
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure af) {
      return !af.isNonRetryable() && !plan.doNotRetry().contains(af.getType());
    }
    if (cause instanceof TimeoutFailure tf) {
      return tf.getTimeoutType() != TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE;
    }
    return !(cause instanceof CanceledFailure);
  }

  /** Marks a step running (after an abort check); its first start time is kept across retries. */
  private void begin(Step step) {
    checkAbort();
    step.state = StepState.RUNNING;
    step.startedAt = step.startedAt == null ? Workflow.currentTimeMillis() : step.startedAt;
    step.endedAt = null;
  }

  /** Records a step's result: succeeded or already-satisfied, with its summary and output. */
  private static <R extends StepResult> R succeeded(Step step, R result) {
    step.attempts += Math.max(1, result.attempt());
    step.state = result.alreadySatisfied() ? StepState.ALREADY_SATISFIED : StepState.SUCCEEDED;
    step.summary = result.summary();
    step.outputTail = tail(result.outputTail());
    step.error = null;
    step.errorType = null;
    step.endedAt = Workflow.currentTimeMillis();
    addAttempt(
        step,
        StepAttempt.succeeded(
            step.attempts, step.attemptStartedAt, step.endedAt, step.state.wire()));
    StepMetrics.attempt(step.id, step.state.wire(), null);
    StepMetrics.duration(step.id, step.state.wire(), step.startedAt, step.endedAt);
    return result;
  }

  /** Records a failed attempt (counting the server-side attempts it stands for) and returns it. */
  private static StepAttempt recordAttemptFailure(Step step, TemporalFailure failure) {
    Throwable cause = failure instanceof ApplicationFailure ? failure : failure.getCause();
    StepFailureDetails details = details(cause);
    step.attempts += details == null ? 1 : Math.max(1, details.attempt());
    String outcome =
        workerLost(cause)
            ? "worker-lost"
            : cause instanceof TimeoutFailure ? "timed-out" : "failed";
    String error =
        workerLost(cause)
            ? "no heartbeat from the worker within the heartbeat timeout (worker died or lost Temporal)"
            : Failures.rootMessage(failure);
    StepAttempt a =
        new StepAttempt(
            step.attempts,
            step.attemptStartedAt,
            Workflow.currentTimeMillis(),
            outcome,
            error,
            cause instanceof ApplicationFailure af ? af.getType() : typeOf(cause),
            details == null ? null : tailOf(details.outputTail(), ATTEMPT_OUTPUT_LIMIT),
            null);
    addAttempt(step, a);
    StepMetrics.attempt(step.id, outcome, a.errorType());
    return a;
  }

  /** A heartbeat timeout: the worker running the attempt died or lost Temporal, not the step. */
  private static boolean workerLost(Throwable cause) {
    return cause instanceof TimeoutFailure tf
        && tf.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
  }

  private static void addAttempt(Step step, StepAttempt a) {
    step.history.add(a);
    if (step.history.size() > ATTEMPTS_KEPT) {
      // Keep the first attempts (the root cause) and the latest: drop the oldest of the middle.
      step.history.remove(ATTEMPTS_KEPT / 2);
    }
  }

  /** Notes on the last recorded attempt who started the next one. */
  private static void markRetried(Step step, String by) {
    int last = step.history.size() - 1;
    if (last >= 0 && step.history.get(last).retriedBy() == null) {
      step.history.set(last, step.history.get(last).retried(by));
      StepMetrics.retry(step.id, step.history.get(last).errorType(), by);
    }
  }

  private static StepFailureDetails details(Throwable cause) {
    if (cause instanceof ApplicationFailure af && af.getDetails().getSize() > 0) {
      try {
        return af.getDetails().get(StepFailureDetails.class);
      } catch (RuntimeException notOurs) {
        return null; // details of another shape
      }
    }
    return null;
  }

  /**
   * Runs one step whose failure the workflow handles itself (a rollback, a wait and a new try)
   * instead of parking it for an operator: on failure the step is marked {@code failed} with the
   * error and the {@link ActivityFailure} is rethrown. A later {@link #run} or {@code attempt} of
   * the same id runs it again.
   */
  public <R extends StepResult> R attempt(String id, String name, String node, Supplier<R> call) {
    Step step = steps.computeIfAbsent(id, k -> new Step(id, name, node, StepKind.STEP, false));
    if (step.state.isDone()) {
      return null;
    }
    begin(step);
    try {
      return succeeded(step, callWithRetries(step, retries, call));
    } catch (ActivityFailure failure) {
      recordFailure(step, failure);
      step.state = StepState.FAILED;
      StepMetrics.duration(step.id, step.state.wire(), step.startedAt, step.endedAt);
      throw failure;
    }
  }

  /**
   * Marks a declared step as found done without running it (e.g. the member it would add is already
   * a voter), so the user sees already-satisfied rather than a step left pending.
   */
  public void satisfied(String id, String name, String node, String summary) {
    endWithoutRunning(id, name, node, StepState.ALREADY_SATISFIED, summary);
  }

  /**
   * Marks a declared step as not run, on purpose, with why (e.g. a removal with {@code
   * --unreachable} runs no {@code kubeadm reset}): the user sees {@code skipped} and the reason.
   */
  public void notRun(String id, String name, String node, String summary) {
    endWithoutRunning(id, name, node, StepState.SKIPPED, summary);
  }

  /**
   * Ends a step that never ran in {@code state}, with {@code summary}; a step already done stays as
   * it is.
   */
  private void endWithoutRunning(
      String id, String name, String node, StepState state, String summary) {
    Step step = steps.computeIfAbsent(id, k -> new Step(id, name, node, StepKind.STEP, false));
    if (step.state.isDone()) {
      return;
    }
    long now = Workflow.currentTimeMillis();
    step.state = state;
    step.summary = summary;
    step.startedAt = step.startedAt == null ? now : step.startedAt;
    step.endedAt = now;
  }

  /**
   * Shows a step that failed an {@link #attempt} as running again while the workflow waits to retry
   * it (e.g. "refused; next check in 30 s"); its error stays visible.
   */
  public void waiting(String id, String summary) {
    Step step = steps.get(id);
    if (step != null) {
      step.state = StepState.RUNNING;
      step.summary = summary;
    }
  }

  /** An approval gate: waits until an operator approves it (or aborts the operation). */
  public void gate(String id, String name) {
    Step step = steps.computeIfAbsent(id, k -> new Step(id, name, null, StepKind.GATE, false));
    if (step.state.isDone()) {
      return;
    }
    checkAbort();
    step.startedAt = Workflow.currentTimeMillis();
    step.state = StepState.NEEDS_ATTENTION;
    step.summary = "waiting for approval";
    awaitDecision(step);
    step.state = StepState.SUCCEEDED;
    step.summary = "approved by " + step.actions.get(step.actions.size() - 1).actor();
    step.endedAt = Workflow.currentTimeMillis();
  }

  /**
   * Registers how to undo what the next call does. Register before the call: if the worker dies
   * between the call and the registration, the undo would otherwise be lost. Undo calls must be
   * idempotent (they may run when the call never happened).
   */
  public void onAbort(String id, String name, String node, Runnable undo) {
    compensations.push(new Compensation(id, name, node, undo));
  }

  /** Forgets the most recent compensation, once what it undoes is meant to stay. */
  public void keep(String id) {
    compensations.removeIf(c -> c.id().equals(id));
  }

  /** Runs every registered compensation in reverse order, each as a visible step. */
  public void compensate() {
    Workflow.newDetachedCancellationScope(
            () -> {
              while (!compensations.isEmpty()) {
                Compensation c = compensations.pop();
                Step step =
                    steps.computeIfAbsent(
                        c.id(),
                        k -> new Step(c.id(), c.name(), c.node(), StepKind.COMPENSATION, false));
                step.state = StepState.RUNNING;
                step.startedAt = Workflow.currentTimeMillis();
                try {
                  c.undo().run();
                  step.attempts++;
                  step.state = StepState.SUCCEEDED;
                } catch (TemporalFailure e) {
                  // A compensation that fails is reported, and the others still run.
                  step.attempts++;
                  step.state = StepState.FAILED;
                  step.error = Failures.rootMessage(e);
                  LOG.warn("compensation {} failed: {}", c.id(), step.error);
                }
                step.endedAt = Workflow.currentTimeMillis();
              }
            })
        .run();
  }

  private void recordFailure(Step step, TemporalFailure failure) {
    Throwable cause = failure instanceof ApplicationFailure ? failure : failure.getCause();
    if (cause instanceof CanceledFailure canceled) {
      throw canceled;
    }
    StepAttempt last = recordAttemptFailure(step, failure);
    step.state = StepState.NEEDS_ATTENTION;
    step.endedAt = last.endedAtMillis();
    step.error = last.error();
    step.errorType = last.errorType();
    StepFailureDetails details = details(cause);
    if (details != null) {
      step.outputTail = tail(details.outputTail());
      if (details.hint() != null && !details.hint().isBlank()) {
        step.error = step.error + " — " + details.hint();
      }
    }
    logStep(step, step.attempts, () -> LOG.warn("step {} failed: {}", step.id, step.error));
  }

  /** Waits for a validated decision on this step (or an abort, which throws). */
  private Decision awaitDecision(Step step) {
    Workflow.await(() -> abort != null || (pending != null && step.id.equals(pending.stepId())));
    checkAbort();
    Decision decision = pending.decision();
    pending = null;
    return decision;
  }

  private void checkAbort() {
    if (abort != null) {
      throw new Aborted();
    }
  }

  /**
   * Validates an operator's request (the update validator calls this; a rejected request never
   * enters history). Throws an {@link ApplicationFailure} saying why.
   */
  public void validate(OperatorRequest request) {
    if (request == null || request.decision() == null) {
      throw invalid("a decision is required: retry, skip, abort or approve");
    }
    if (request.actor() == null || request.actor().isBlank()) {
      throw invalid("the decision must name its actor");
    }
    if (abort != null) {
      throw invalid("the operation is already being aborted by " + abort.actor());
    }
    if (request.decision() == Decision.ABORT) {
      return;
    }
    Step step = target(request);
    if (step == null) {
      throw invalid(
          request.decision().wire()
              + ": no step "
              + (request.stepId() == null || request.stepId().isBlank()
                  ? "is waiting for a decision"
                  : request.stepId() + " is waiting for a decision"));
    }
    switch (request.decision()) {
      case APPROVE -> {
        if (step.kind != StepKind.GATE) {
          throw invalid("approve: step " + step.id + " is not an approval gate");
        }
      }
      case RETRY, SKIP -> {
        if (step.kind == StepKind.GATE) {
          throw invalid(
              request.decision().wire()
                  + ": "
                  + step.id
                  + " is an approval gate; approve or abort it");
        }
        if (request.decision() == Decision.SKIP && !step.skippable) {
          throw invalid(
              "skip: step " + step.id + " (" + step.name + ") cannot be skipped; retry or abort");
        }
      }
      default -> {}
    }
  }

  /** Applies a validated request and records it; returns the recorded action. */
  public OperatorAction accept(OperatorRequest request) {
    validate(request);
    Step step = request.decision() == Decision.ABORT ? null : target(request);
    String stepId = step == null ? request.stepId() : step.id;
    OperatorAction action =
        new OperatorAction(
            stepId,
            request.decision(),
            request.actor(),
            Workflow.currentTimeMillis(),
            request.reason());
    actions.add(action);
    if (step != null) {
      step.actions.add(action);
      pending = new OperatorRequest(step.id, request.decision(), request.actor(), request.reason());
    }
    if (request.decision() == Decision.ABORT) {
      abort = action;
    }
    LOG.info("operator {} decided {} on {}", request.actor(), request.decision().wire(), stepId);
    return action;
  }

  /** The step the request is about: the named one, or the single step waiting when none named. */
  private Step target(OperatorRequest request) {
    if (request.stepId() != null && !request.stepId().isBlank()) {
      Step s = steps.get(request.stepId());
      return s != null && s.state == StepState.NEEDS_ATTENTION ? s : null;
    }
    Step found = null;
    for (Step s : steps.values()) {
      if (s.state == StepState.NEEDS_ATTENTION) {
        if (found != null) {
          throw invalid(
              "several steps wait for a decision (" + found.id + ", " + s.id + "): name one");
        }
        found = s;
      }
    }
    return found;
  }

  public List<StepView> view() {
    List<StepView> out = new ArrayList<>(steps.size());
    for (Step s : steps.values()) {
      out.add(s.view());
    }
    return out;
  }

  public List<OperatorAction> actions() {
    return List.copyOf(actions);
  }

  public boolean abortRequested() {
    return abort != null;
  }

  public boolean waitingForApproval() {
    return steps.values().stream()
        .anyMatch(s -> s.kind == StepKind.GATE && s.state == StepState.NEEDS_ATTENTION);
  }

  public boolean needsAttention() {
    return steps.values().stream()
        .anyMatch(s -> s.kind != StepKind.GATE && s.state == StepState.NEEDS_ATTENTION);
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DECISION);
  }

  private static String tail(String s) {
    return tailOf(s, OUTPUT_TAIL_LIMIT);
  }

  private static String tailOf(String s, int limit) {
    if (s == null || s.length() <= limit) {
      return s;
    }
    return "…" + s.substring(s.length() - limit);
  }

  private static String typeOf(Throwable t) {
    return t == null ? null : t.getClass().getSimpleName();
  }
}
