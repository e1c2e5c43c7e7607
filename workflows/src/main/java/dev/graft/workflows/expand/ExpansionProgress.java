package dev.graft.workflows.expand;

import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.UpgradePlan;
import java.util.List;
import java.util.Map;

/**
 * An expansion as it runs.
 *
 * <p><b>{@code state} covers the children.</b> A node join or the routing child that parks a step
 * for an operator signals the expansion ({@code childAttention}, sent by {@code AttentionReporter}
 * on each change of its waiting steps), so {@code state} is {@code needs-attention} while any child
 * waits, without the server having to query every child; operators still decide on the child itself
 * (its id is in {@code children}). {@code waiting-approval} means an approval gate of the expansion
 * waits. The expansion passes state and one-line message on to the cluster workflow ({@code
 * operationProgress}), so the operations list is live too.
 *
 * @param children child workflow ids by what they do: "node/<name>", "etcd/<name>", "routing", and
 *     for a large cluster "routing-routes-<k>" / "routing-verify-<k>", the routing's batches (its
 *     children: listed as they will start, so one not started yet has no steps); query each for its
 *     steps (every child implements OperatedWorkflow)
 * @param phase the phase running now (a PhaseKind name), or null before the first and after the
 *     last
 * @param upgrade an upgrade's plan (null for an expansion, whose plan is {@code plan})
 * @param removal a removal's plan (null for the other kinds)
 */
public record ExpansionProgress(
    String id,
    OperationState state,
    String phase,
    ExpansionPlan plan,
    Map<String, String> children,
    List<String> excludedNodes,
    Long startedAtMillis,
    Long endedAtMillis,
    UpgradePlan upgrade,
    RemovalPlan removal) {
  /** An expansion's or an upgrade's progress (no removal plan). */
  public ExpansionProgress(
      String id,
      OperationState state,
      String phase,
      ExpansionPlan plan,
      Map<String, String> children,
      List<String> excludedNodes,
      Long startedAtMillis,
      Long endedAtMillis,
      UpgradePlan upgrade) {
    this(
        id,
        state,
        phase,
        plan,
        children,
        excludedNodes,
        startedAtMillis,
        endedAtMillis,
        upgrade,
        null);
  }

  /** An expansion's progress (no upgrade plan). */
  public ExpansionProgress(
      String id,
      OperationState state,
      String phase,
      ExpansionPlan plan,
      Map<String, String> children,
      List<String> excludedNodes,
      Long startedAtMillis,
      Long endedAtMillis) {
    this(id, state, phase, plan, children, excludedNodes, startedAtMillis, endedAtMillis, null);
  }
}
