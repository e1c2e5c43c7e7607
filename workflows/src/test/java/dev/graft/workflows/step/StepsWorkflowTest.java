package dev.graft.workflows.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The step engine inside a real (test) Temporal: retries, needs-attention, operator decisions,
 * approval gates and compensations, with a stateful fake that records every effect.
 */
public class StepsWorkflowTest {

  /** Result of a fake step. */
  public record Done(boolean alreadySatisfied, String summary, int attempt) implements StepResult {}

  /** Input of a fake step: its name. */
  public record Call(String name) {}

  @ActivityInterface(namePrefix = "Fake.")
  public interface FakeActivities {
    Done act(Call call);

    Done undo(Call call);
  }

  /** A stateful fake: fails a step a scripted number of times, records every effect in order. */
  static final class Fake implements FakeActivities {
    final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
    final Map<String, Boolean> done = new ConcurrentHashMap<>();
    final List<String> effects = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Done act(Call call) {
      int attempt = Activity.getExecutionContext().getInfo().getAttempt();
      AtomicInteger left = failuresLeft.get(call.name());
      if (left != null && left.getAndDecrement() > 0) {
        throw ApplicationFailure.newFailureWithCause(
            call.name() + " failed",
            "FakeFailure",
            null,
            new StepFailureDetails("line 1\nline 2 of " + call.name(), "fix the fake", attempt));
      }
      if (done.putIfAbsent(call.name(), true) != null) {
        return new Done(true, call.name() + " was already done", attempt);
      }
      effects.add("do " + call.name());
      return new Done(false, "did " + call.name(), attempt);
    }

    @Override
    public Done undo(Call call) {
      effects.add("undo " + call.name());
      done.remove(call.name());
      return new Done(false, "undid " + call.name(), 1);
    }
  }

  @WorkflowInterface
  public interface ThreeStepWorkflow extends OperatedWorkflow {
    @WorkflowMethod
    OperationOutcome run(boolean withGate);
  }

  public static class ThreeStepWorkflowImpl extends StepsWorkflow implements ThreeStepWorkflow {
    private final FakeActivities fake =
        Workflow.newActivityStub(
            FakeActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(5))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setBackoffCoefficient(1)
                        .setMaximumAttempts(3)
                        .build())
                .build());

    @Override
    public OperationOutcome run(boolean withGate) {
      steps.declare("a", "first", "n1", false);
      steps.declare("b", "second", "n1", true);
      steps.declare("c", "third", "n1", false);
      return steps.operation(
          () -> {
            if (withGate) {
              steps.gate("approve", "approve the change");
            }
            step("a", false);
            step("b", true);
            step("c", false);
          });
    }

    private void step(String name, boolean skippable) {
      steps.onAbort("undo-" + name, "undo " + name, "n1", () -> fake.undo(new Call(name)));
      Supplier<Done> call = () -> fake.act(new Call(name));
      steps.run(name, name, "n1", skippable, call);
    }
  }

  private final Fake fake = new Fake();

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(ThreeStepWorkflowImpl.class)
          .setActivityImplementations(fake)
          .setDoNotStart(true)
          .build();

  private ThreeStepWorkflow start(TestWorkflowEnvironment env, Worker worker, boolean gate) {
    env.start();
    ThreeStepWorkflow wf =
        env.getWorkflowClient()
            .newWorkflowStub(
                ThreeStepWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId("test/steps")
                    .build());
    WorkflowClient.start(wf::run, gate);
    return wf;
  }

  private static StepView step(ThreeStepWorkflow wf, String id) {
    return wf.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }

  private static void awaitState(ThreeStepWorkflow wf, String id, StepState state)
      throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      if (step(wf, id).state() == state) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("step " + id + " never reached " + state + ": " + step(wf, id));
  }

  @Test
  void aStepThatFailsTwiceThenSucceedsCountsThreeAttempts(
      TestWorkflowEnvironment env, Worker worker) {
    fake.failuresLeft.put("b", new AtomicInteger(2));
    ThreeStepWorkflow wf = start(env, worker, false);
    assertEquals(
        OperationOutcome.COMPLETED, WorkflowStub.fromTyped(wf).getResult(OperationOutcome.class));
    StepView b = step(wf, "b");
    assertEquals(StepState.SUCCEEDED, b.state());
    assertEquals(3, b.attempts());
    assertEquals(List.of("do a", "do b", "do c"), fake.effects);
  }

  @Test
  void exhaustedRetriesParkInNeedsAttentionAndRetrySucceeds(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fake.failuresLeft.put(
        "c", new AtomicInteger(3)); // the 3 attempts of round 1 fail; the retry works
    ThreeStepWorkflow wf = start(env, worker, false);
    awaitState(wf, "c", StepState.NEEDS_ATTENTION);
    StepView c = step(wf, "c");
    assertEquals(3, c.attempts());
    assertTrue(c.error().contains("c failed"), c.error());
    assertTrue(c.error().contains("fix the fake"), c.error());
    assertTrue(c.outputTail().contains("line 2 of c"), c.outputTail());

    OperatorAction action = wf.decide(new OperatorRequest("c", Decision.RETRY, "alice", "flaky"));
    assertEquals("alice", action.actor());
    assertEquals(
        OperationOutcome.COMPLETED, WorkflowStub.fromTyped(wf).getResult(OperationOutcome.class));
    c = step(wf, "c");
    assertEquals(StepState.SUCCEEDED, c.state());
    assertEquals(4, c.attempts());
    assertEquals(1, c.actions().size());
    assertEquals(Decision.RETRY, c.actions().get(0).decision());
  }

  @Test
  void onlySkippableStepsCanBeSkipped(TestWorkflowEnvironment env, Worker worker) throws Exception {
    fake.failuresLeft.put("a", new AtomicInteger(3));
    fake.failuresLeft.put("b", new AtomicInteger(100));
    ThreeStepWorkflow wf = start(env, worker, false);
    awaitState(wf, "a", StepState.NEEDS_ATTENTION);
    WorkflowUpdateException refused =
        assertThrows(
            WorkflowUpdateException.class,
            () -> wf.decide(new OperatorRequest("a", Decision.SKIP, "bob", null)));
    assertTrue(
        String.valueOf(rootMessage(refused)).contains("cannot be skipped"), rootMessage(refused));
    wf.decide(new OperatorRequest("a", Decision.RETRY, "bob", null));
    awaitState(wf, "b", StepState.NEEDS_ATTENTION);
    wf.decide(new OperatorRequest(null, Decision.SKIP, "bob", "not needed here"));
    assertEquals(
        OperationOutcome.COMPLETED, WorkflowStub.fromTyped(wf).getResult(OperationOutcome.class));
    assertEquals(StepState.SKIPPED, step(wf, "b").state());
    assertEquals(List.of("do a", "do c"), fake.effects);
    HistoryFixtures.record(env, "test/steps", "steps-retry-skip");
  }

  @Test
  void abortRunsCompensationsInReverseOrder(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    fake.failuresLeft.put("c", new AtomicInteger(100));
    ThreeStepWorkflow wf = start(env, worker, false);
    awaitState(wf, "c", StepState.NEEDS_ATTENTION);
    wf.decide(new OperatorRequest(null, Decision.ABORT, "carol", "give up"));
    assertEquals(
        OperationOutcome.ABORTED, WorkflowStub.fromTyped(wf).getResult(OperationOutcome.class));
    assertEquals(List.of("do a", "do b", "undo c", "undo b", "undo a"), fake.effects);
    assertEquals(StepState.SUCCEEDED, step(wf, "undo-a").state());
    assertEquals(StepKind.COMPENSATION, step(wf, "undo-a").kind());
    HistoryFixtures.record(env, "test/steps", "steps-abort");
  }

  @Test
  void aGateWaitsForApprovalAndRecordsWhoApproved(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    ThreeStepWorkflow wf = start(env, worker, true);
    awaitState(wf, "approve", StepState.NEEDS_ATTENTION);
    assertTrue(fake.effects.isEmpty(), "nothing runs before approval");
    assertThrows(
        WorkflowUpdateException.class,
        () -> wf.decide(new OperatorRequest("approve", Decision.RETRY, "dave", null)));
    wf.decide(new OperatorRequest("approve", Decision.APPROVE, "dave", "change window open"));
    assertEquals(
        OperationOutcome.COMPLETED, WorkflowStub.fromTyped(wf).getResult(OperationOutcome.class));
    assertEquals("approved by dave", step(wf, "approve").summary());
    HistoryFixtures.record(env, "test/steps", "steps-gate");
  }

  @Test
  void aDecisionWithoutAnActorIsRefused(TestWorkflowEnvironment env, Worker worker)
      throws Exception {
    fake.failuresLeft.put("a", new AtomicInteger(3));
    ThreeStepWorkflow wf = start(env, worker, false);
    awaitState(wf, "a", StepState.NEEDS_ATTENTION);
    assertThrows(
        WorkflowUpdateException.class,
        () -> wf.decide(new OperatorRequest("a", Decision.RETRY, " ", null)));
    wf.decide(new OperatorRequest("a", Decision.ABORT, "erin", null));
    assertEquals(
        OperationOutcome.ABORTED, WorkflowStub.fromTyped(wf).getResult(OperationOutcome.class));
    assertEquals(List.of("undo a"), fake.effects);
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage();
  }
}
