package dev.graft.server.operations;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/operations/{id}}: the plan, the state, the operation's own steps and each
 * child's (node, etcd, routing) steps, the result once done, and the commands to run next.
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
    List<String> next) {

  /** One child workflow: "node/<name>", "etcd/<name>" or "routing", with its steps. */
  public record Child(String key, String workflowId, String node, List<StepView> steps) {
    @JsonProperty("needsAttention")
    public boolean needsAttention() {
      return steps.stream().anyMatch(s -> s.state() == StepState.NEEDS_ATTENTION && !"gate".equals(s.kind()));
    }

    @JsonProperty("waitingApproval")
    public boolean waitingApproval() {
      return steps.stream().anyMatch(s -> s.state() == StepState.NEEDS_ATTENTION && "gate".equals(s.kind()));
    }
  }

  /** What an operator can run now: one command per step that waits for a decision. */
  static List<String> next(String id, OperationState state, List<StepView> own, List<Child> children) {
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
    if ("gate".equals(s.kind())) {
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
