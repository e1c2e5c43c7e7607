package dev.graft.workflows.expand;

import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.step.ChildSteps;
import java.util.List;

/**
 * The etcd stage of expansions started before the etcd growth stage: kubeadm does the work for
 * stacked etcd and nothing else is claimed. With stacked etcd, {@code kubeadm join --control-plane}
 * runs its own {@code check-etcd} (every member healthy) before it adds the node's member, and
 * waits for the member before it returns, so the {@code etcd/<node>} step reports that the join did
 * it. It has no gate and no verification of its own ({@link #gates()} and {@link #verifies()} are
 * false, so those steps are not shown rather than shown as done). Adding members to an external
 * etcd needs the real stage: such a plan is refused before anything changes.
 */
public final class KubeadmEtcdStage implements EtcdStage {
  @Override
  public String refusal(EtcdStageRequest request) {
    return request.etcd().topology() == EtcdTopology.EXTERNAL && !request.newMembers().isEmpty()
        ? "the plan adds members to an external etcd, and this build has no etcd growth stage"
            + " (ExpansionWorkflowImpl's EtcdStage); nothing was changed"
        : null;
  }

  @Override
  public boolean gates() {
    return false;
  }

  @Override
  public EtcdStageResult gate(EtcdStageRequest request) {
    throw new IllegalStateException("KubeadmEtcdStage has no gate");
  }

  @Override
  public EtcdStageResult grow(EtcdStageRequest request, ChildSteps children) {
    return new EtcdStageResult(
        true,
        "stacked etcd: kubeadm join --control-plane added "
            + request.node().name()
            + "'s member, after its check-etcd found every member healthy",
        null,
        List.of(),
        1);
  }

  @Override
  public boolean verifies() {
    return false;
  }

  @Override
  public EtcdStageResult verify(EtcdStageRequest request) {
    throw new IllegalStateException("KubeadmEtcdStage has no verification");
  }
}
