package dev.graft.workflows.expand;

import dev.graft.workflows.plan.ExpansionPlan;
import java.util.List;
import java.util.Map;

/**
 * An expansion as it runs.
 *
 * @param children child workflow ids by what they do: "node/<name>", "etcd/<name>", "routing";
 *     query each for its steps (every child implements OperatedWorkflow)
 * @param phase the phase running now (a PhaseKind name), or null before the first and after the last
 */
public record ExpansionProgress(
    String id,
    OperationState state,
    String phase,
    ExpansionPlan plan,
    Map<String, String> children,
    List<String> excludedNodes,
    Long startedAtMillis,
    Long endedAtMillis) {}
