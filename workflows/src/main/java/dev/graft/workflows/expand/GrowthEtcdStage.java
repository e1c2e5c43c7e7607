package dev.graft.workflows.expand;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.ApiServerRequest;
import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.etcd.EtcdActivities;
import dev.graft.workflows.etcd.EtcdCaRef;
import dev.graft.workflows.etcd.EtcdGrowthRequest;
import dev.graft.workflows.etcd.EtcdGrowthResult;
import dev.graft.workflows.etcd.EtcdGrowthWorkflow;
import dev.graft.workflows.etcd.EtcdHostActivities;
import dev.graft.workflows.etcd.EtcdPolicy;
import dev.graft.workflows.etcd.GateRequest;
import dev.graft.workflows.etcd.GateResult;
import dev.graft.workflows.etcd.HealthResult;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.step.StepState;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * The expansion's etcd stage (its growth, the default): the quorum gate before each control-plane
 * or etcd node changes anything, the member's growth as an {@link EtcdGrowthWorkflow} child after
 * the node's join, and the verification at the end.
 *
 * <ul>
 *   <li>gate: {@code Etcd.gate} for a node that brings a member (it reports a member that is
 *       already a voter as satisfied, so a resumed expansion passes it), a health check of every
 *       member for a control-plane node that brings none (external etcd);
 *   <li>grow: the child under the cluster's one membership id ({@code
 *       cluster/<name>/etcd-membership}, so it never runs beside another membership change).
 *       Stacked: {@code kubeadm join --control-plane} added the member; the child checks it is a
 *       healthy voter and removes what kubeadm left behind otherwise. External: the child issues
 *       certificates, installs, adds a learner, promotes it and points the kube-apiservers at every
 *       member;
 *   <li>verify: every member a healthy voter, as many voters as planned, and every control-plane
 *       kube-apiserver listing (external: every member) and reaching its etcd servers.
 * </ul>
 */
public final class GrowthEtcdStage implements EtcdStage {
  @Override
  public String refusal(EtcdStageRequest r) {
    if (r.newMembers().isEmpty()) {
      return null;
    }
    if (r.etcd().endpoints().isEmpty()) {
      return "the plan adds etcd members but no existing member is known to reach etcd through"
          + " (no existing etcd node in the inventory, no etcd.endpoints); nothing was changed";
    }
    if (r.etcd().topology() == EtcdTopology.EXTERNAL && r.caHost() == null) {
      return "the plan adds external etcd members but the inventory lists no existing etcd or"
          + " control-plane node holding the etcd CA; nothing was changed";
    }
    return null;
  }

  @Override
  public boolean gates() {
    return true;
  }

  @Override
  public EtcdStageResult gate(EtcdStageRequest r) {
    EtcdActivities etcd =
        Workflow.newActivityStub(EtcdActivities.class, ActivityKinds.etcd(r.policy()));
    NodeSpec n = r.node();
    if (!n.hasRole(Role.ETCD)) {
      HealthResult h = etcd.verifyHealthy(new ClusterRequest(r.cluster(), r.etcd()));
      return new EtcdStageResult(
          false,
          "etcd healthy before " + n.name() + " joins: " + h.summary(),
          null,
          List.of(),
          h.attempt());
    }
    List<String> pending = r.newMembers().stream().map(EtcdSpec::peerUrl).toList();
    GateResult g =
        etcd.gate(
            new GateRequest(
                r.cluster(), r.etcd(), n.name(), EtcdSpec.peerUrl(n), pending, r.allowEvenSize()));
    String warnings =
        g.warnings() == null || g.warnings().isEmpty()
            ? ""
            : " (warnings: " + String.join("; ", g.warnings()) + ")";
    return new EtcdStageResult(
        g.alreadySatisfied(), g.summary() + warnings, null, List.of(), g.attempt());
  }

  @Override
  public EtcdStageResult grow(EtcdStageRequest r, ChildSteps children) {
    String childId = EtcdGrowthWorkflow.workflowId(r.cluster());
    boolean external = r.etcd().topology() == EtcdTopology.EXTERNAL;
    EtcdGrowthRequest growth =
        new EtcdGrowthRequest(
            r.cluster(),
            r.etcd(),
            List.of(r.node()),
            external ? EtcdCaRef.kubeadm(r.caHost()) : null,
            r.controlPlanes(),
            EtcdPolicy.defaults(r.policy().stepMaxAttempts(), r.allowEvenSize()));
    EtcdGrowthResult result =
        children.run(childId, EtcdGrowthWorkflow.class, c -> Async.function(c::grow, growth));
    ChildSteps.ended(
        childId,
        result.outcome(),
        "the etcd growth of " + r.node().name() + " (" + result.message() + ")");
    boolean already =
        !result.steps().isEmpty()
            && result.steps().stream().allMatch(s -> s.state() == StepState.ALREADY_SATISFIED);
    return new EtcdStageResult(already, result.message(), childId, result.steps(), 1);
  }

  @Override
  public boolean verifies() {
    return true;
  }

  @Override
  public EtcdStageResult verify(EtcdStageRequest r) {
    EtcdActivities etcd =
        Workflow.newActivityStub(EtcdActivities.class, ActivityKinds.etcd(r.policy()));
    EtcdHostActivities host =
        Workflow.newActivityStub(EtcdHostActivities.class, ActivityKinds.etcdHost(r.policy()));
    // Every member the plan ends with, so a member that joined but is not listed is found too.
    EtcdSpec all = r.etcd().withEndpoints(r.allEndpoints());
    HealthResult h = etcd.verifyHealthy(new ClusterRequest(r.cluster(), all));
    if (h.clientUrls().size() != r.expectedVoters()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "etcd has "
              + h.clientUrls().size()
              + " voters, the plan ends with "
              + r.expectedVoters()
              + " ("
              + String.join(", ", h.clientUrls())
              + ")",
          FailureTypes.ETCD_VOTERS_NOT_AS_PLANNED);
    }
    boolean external = r.etcd().topology() == EtcdTopology.EXTERNAL;
    StepOutcome api =
        host.verifyApiServers(
            new ApiServerRequest(
                r.cluster(), r.controlPlanes(), external ? h.clientUrls() : List.of()));
    return new EtcdStageResult(
        false, h.summary() + "; " + api.summary(), null, List.of(), h.attempt());
  }
}
