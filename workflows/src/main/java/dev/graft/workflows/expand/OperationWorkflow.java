package dev.graft.workflows.expand;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.UpgradePlan;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.workflow.Workflow;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;

/**
 * What every operation the cluster workflow runs (expansion, upgrade, removal) has around its own
 * recipe: the request with this execution's retry policy, its children as {@link ChildSteps}, its
 * phase, how it ended, and the state, summary and progress its queries and the cluster workflow's
 * list read. A subclass calls {@link #begin}, declares its steps, runs its recipe through {@link
 * #operate}, and returns {@link #result}.
 */
public abstract class OperationWorkflow extends StepsWorkflow {
  private static final Logger LOG = Workflow.getLogger(OperationWorkflow.class);

  protected final ChildSteps children = new ChildSteps(steps);
  protected OperationRequest request;

  /** The phase running now (a PhaseKind-like name), or null before the first and after the last. */
  protected String phase;

  /** Why the operation failed without a step failing (a refusal, failed pre-checks), or null. */
  protected String failure;

  private OperationState ended;
  private Long startedAt;
  private Long endedAt;

  /**
   * Decides who retries failed steps (see {@link dev.graft.workflows.step.Steps#ownRetries}) and
   * notes the start.
   */
  protected ExecutionPolicy begin(OperationRequest r) {
    ExecutionPolicy policy = steps.ownRetries(r.options().policy(), ActivityKinds::steps);
    request = r.withOptions(r.options().withPolicy(policy));
    startedAt = Workflow.currentTimeMillis();
    return policy;
  }

  /**
   * Runs the recipe as the operation (its progress reported to the cluster workflow, its running
   * children cancelled by an abort) and notes how it ended: failed when it set {@link #failure}.
   */
  protected OperationOutcome operate(Runnable recipe) {
    ProgressReporter.start(this::summary);
    children.cancelOnAbort();
    OperationOutcome outcome = steps.operation(recipe);
    if (failure != null && outcome == OperationOutcome.COMPLETED) {
      outcome = OperationOutcome.FAILED;
    }
    phase = null;
    endedAt = Workflow.currentTimeMillis();
    ended =
        switch (outcome) {
          case COMPLETED -> OperationState.DONE;
          case ABORTED -> OperationState.ABORTED;
          case FAILED -> OperationState.FAILED;
        };
    return outcome;
  }

  /**
   * The operation's result: {@code message} ({@link #failure} when set), and step counts over its
   * own steps and its children's (see {@link ExpansionSummary}), per node in {@code nodes}.
   */
  protected ExpansionResult result(
      OperationOutcome outcome,
      String message,
      List<String> nodes,
      Collection<String> excluded,
      Collection<String> skipped,
      String did,
      String already) {
    String said = failure != null ? failure : message;
    LOG.info("{} {} ended {}: {}", request.kind(), request.operationId(), outcome, said);
    return ExpansionSummary.of(
        request.operationId(),
        outcome,
        said,
        steps.view(),
        children.wrappers(),
        children.childSteps(),
        nodes,
        excluded,
        skipped,
        endedAt - startedAt,
        did,
        already);
  }

  protected OperationState state() {
    return OperationStates.of(ended, phaseNow(), steps.view(), children);
  }

  /** The phase as queries show it: {@link OperationStates#ABORTING} once an operator aborted. */
  private String phaseNow() {
    return ended == null && steps.abortRequested() ? OperationStates.ABORTING : phase;
  }

  /** The line the cluster workflow and the operations list show for a running operation. */
  protected OperationSummary summary() {
    return new OperationSummary(
        request.operationId(),
        request.kind(),
        request.cluster().name(),
        state(),
        request.requestedBy(),
        null,
        startedAt,
        endedAt,
        OperationStates.message(steps.view(), children, phaseNow()));
  }

  /** The progress query's answer, with the plan of this operation's kind. */
  protected ExpansionProgress progress(
      ExpansionPlan plan, List<String> excluded, UpgradePlan upgrade, RemovalPlan removal) {
    return new ExpansionProgress(
        request == null ? null : request.operationId(),
        state(),
        phaseNow(),
        plan,
        children.children(),
        List.copyOf(excluded),
        startedAt,
        endedAt,
        upgrade,
        removal);
  }

  /** A child's {@code childAttention} signal: which of its steps wait for an operator now. */
  public void childAttention(ChildAttention attention) {
    children.attention(attention);
  }
}
