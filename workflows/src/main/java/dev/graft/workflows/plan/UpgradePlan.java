package dev.graft.workflows.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What an upgrade will do, in order: pre-checks on every node, the etcd snapshot on {@code
 * snapshotNode}, image prefetch everywhere, control planes one at a time (the first with {@code
 * kubeadm upgrade apply}), then workers batch by batch ({@code maxUnavailable} at once), then
 * verification. Refusals mean nothing may start; warnings are shown and approved with it.
 *
 * @param from the API server's version now (kubeadm-config's kubernetesVersion)
 * @param to the target
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpgradePlan(
    String cluster,
    String from,
    String to,
    List<NodeUpgrade> controlPlanes,
    List<List<NodeUpgrade>> workerBatches,
    String snapshotNode,
    int maxUnavailable,
    Duration drainTimeout,
    List<PlanMessage> warnings,
    List<PlanMessage> refusals) {
  public UpgradePlan {
    controlPlanes = controlPlanes == null ? List.of() : List.copyOf(controlPlanes);
    workerBatches =
        workerBatches == null ? List.of() : workerBatches.stream().map(List::copyOf).toList();
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    refusals = refusals == null ? List.of() : List.copyOf(refusals);
    drainTimeout = drainTimeout == null ? Duration.ofMinutes(5) : drainTimeout;
    maxUnavailable = Math.max(1, maxUnavailable);
  }

  /** Every node, control planes first, in the order the upgrade takes them. */
  public List<NodeUpgrade> nodes() {
    List<NodeUpgrade> all = new ArrayList<>(controlPlanes);
    workerBatches.forEach(all::addAll);
    return all;
  }

  /** The same plan with more warnings appended (the orphan pre-check's). */
  public UpgradePlan withWarnings(List<PlanMessage> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<PlanMessage> all = new ArrayList<>(warnings);
    all.addAll(more);
    return new UpgradePlan(
        cluster,
        from,
        to,
        controlPlanes,
        workerBatches,
        snapshotNode,
        maxUnavailable,
        drainTimeout,
        all,
        refusals);
  }

  public boolean refused() {
    return !refusals.isEmpty();
  }
}
