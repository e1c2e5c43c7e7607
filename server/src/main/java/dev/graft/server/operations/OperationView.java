package dev.graft.server.operations;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.UpgradePlan;
import dev.graft.workflows.step.StepKind;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/operations/{id}}: the plan, the state, the operation's own steps and each
 * child's (node, etcd, routing) steps, the result once done, the commands to run next, and what
 * runs right now ({@code live}: the activities in flight, with their latest output line). An
 * upgrade has no {@code plan}; its own plan is {@code upgrade} (from, to, the order, the batches);
 * a removal's is {@code removal} (the nodes, the quorum projection, the leader move).
 */
public record OperationView(
    String id,
    String cluster,
    String kind,
    OperationState state,
    String phase,
    String requestedBy,
    Long submittedAtMillis,
    Long startedAtMillis,
    Long endedAtMillis,
    String message,
    ExpansionPlan plan,
    List<StepView> steps,
    List<Child> children,
    ExpansionResult result,
    List<String> next,
    String runId,
    List<Live> live,
    UpgradePlan upgrade,
    RemovalPlan removal) {

  /** An expansion's or an upgrade's view (no removal plan). */
  public OperationView(
      String id,
      String cluster,
      String kind,
      OperationState state,
      String phase,
      String requestedBy,
      Long submittedAtMillis,
      Long startedAtMillis,
      Long endedAtMillis,
      String message,
      ExpansionPlan plan,
      List<StepView> steps,
      List<Child> children,
      ExpansionResult result,
      List<String> next,
      String runId,
      List<Live> live,
      UpgradePlan upgrade) {
    this(
        id,
        cluster,
        kind,
        state,
        phase,
        requestedBy,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        message,
        plan,
        steps,
        children,
        result,
        next,
        runId,
        live,
        upgrade,
        null);
  }

  /**
   * One activity in flight, as Temporal describes it: the step's latest output line (what the
   * activity last heartbeated; SSH steps heartbeat their output as it comes) and, between retries,
   * the failure of the last attempt. Read-only, from {@code DescribeWorkflowExecution}.
   *
   * @param workflowId the workflow that runs it: the operation, or a child ("…/node/n3")
   * @param node the child's node, or null for the operation's own activities and routing
   * @param state "scheduled" (waiting for a worker, or for its next retry), "started", …
   * @param heartbeat the latest heartbeat's details as text, or null before the first
   */
  public record Live(
      String workflowId,
      String node,
      String activityId,
      String activity,
      String state,
      int attempt,
      int maximumAttempts,
      Long scheduledAtMillis,
      Long lastStartedAtMillis,
      Long lastHeartbeatAtMillis,
      String heartbeat,
      String lastFailure,
      String worker) {}

  /** One child workflow: "node/<name>", "etcd/<name>" or "routing", with its steps. */
  public record Child(String key, String workflowId, String node, List<StepView> steps) {
    @JsonProperty("needsAttention")
    public boolean needsAttention() {
      return steps.stream()
          .anyMatch(s -> s.state() == StepState.NEEDS_ATTENTION && s.kind() != StepKind.GATE);
    }

    @JsonProperty("waitingApproval")
    public boolean waitingApproval() {
      return steps.stream()
          .anyMatch(s -> s.state() == StepState.NEEDS_ATTENTION && s.kind() == StepKind.GATE);
    }
  }

  /** What an operator can run now: one command per step that waits for a decision. */
  static List<String> next(
      String id, OperationState state, List<StepView> own, List<Child> children) {
    List<String> out = new ArrayList<>();
    if (state == null || state.terminal()) {
      return out;
    }
    for (StepView s : own) {
      if (s.state() == StepState.NEEDS_ATTENTION) {
        out.addAll(commands(id, null, s));
      }
    }
    for (Child c : children) {
      for (StepView s : c.steps()) {
        if (s.state() == StepState.NEEDS_ATTENTION) {
          out.addAll(commands(id, c.node(), s));
        }
      }
    }
    return out;
  }

  private static List<String> commands(String id, String node, StepView s) {
    String where = (node == null ? "" : " --node " + node) + " --step " + s.id();
    if (s.kind() == StepKind.GATE) {
      return List.of("graft approve " + id + where, "graft abort " + id);
    }
    List<String> out = new ArrayList<>();
    out.add("graft retry " + id + where);
    if (s.skippable()) {
      out.add("graft skip " + id + where);
    }
    out.add("graft abort " + id + (node == null ? "" : " --node " + node));
    return out;
  }
}
