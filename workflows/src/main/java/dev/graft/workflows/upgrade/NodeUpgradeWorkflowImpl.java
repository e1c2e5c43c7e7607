package dev.graft.workflows.upgrade;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.join.NodeJoinResult;
import dev.graft.workflows.plan.NodeUpgrade;
import dev.graft.workflows.step.AttentionReporter;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * One node's upgrade (see {@link NodeUpgradeWorkflow}). Every step is idempotent on its own; the
 * check step only saves the work when the node is already at the target everywhere (packages,
 * manifests, the kubelet the API sees, Ready and schedulable): then every other step is marked
 * already-satisfied, so a resumed or re-submitted upgrade skips the node.
 */
public class NodeUpgradeWorkflowImpl extends StepsWorkflow implements NodeUpgradeWorkflow {
  /** The node's steps in order: id and name. */
  static final List<String[]> STEPS =
      List.of(
          new String[] {"check", "check versions"},
          new String[] {"kubeadm-package", "kubeadm package"},
          new String[] {"kubeadm-upgrade", "kubeadm upgrade"},
          new String[] {"drain", "cordon and drain"},
          new String[] {"kubelet-package", "kubelet and kubectl packages, restart kubelet"},
          new String[] {"ready", "wait Ready at the target, uncordon"});

  /** Set once the kubelet step has started: from then on an abort leaves the node cordoned. */
  private boolean kubeletTouched;

  @Override
  public NodeJoinResult upgrade(NodeUpgradeRequest r) {
    ExecutionPolicy policy = steps.ownRetries(r.policy(), ActivityKinds::steps);
    NodeUpgrade n = r.node();
    String name = n.node().name();
    UpgradeHostActivities host =
        Workflow.newActivityStub(UpgradeHostActivities.class, ActivityKinds.ssh(policy));
    UpgradeApiActivities api =
        Workflow.newActivityStub(UpgradeApiActivities.class, ActivityKinds.kube(policy));
    UpgradeApiActivities waiter =
        Workflow.newActivityStub(
            UpgradeApiActivities.class,
            ActivityKinds.waitFor(
                policy,
                r.drainTimeout().compareTo(policy.readyTimeout()) > 0
                    ? r.drainTimeout()
                    : policy.readyTimeout()));
    UpgradeApiActivities undo =
        Workflow.newActivityStub(UpgradeApiActivities.class, ActivityKinds.compensation());
    UpgradeHostRequest onHost =
        new UpgradeHostRequest(
            r.cluster(), r.operationId(), n.node(), r.to(), n.controlPlane(), n.first());
    UpgradeNodeRequest onApi =
        new UpgradeNodeRequest(r.cluster(), r.kubeconfig(), n.node(), r.to(), r.drainTimeout());
    UpgradeNodeRequest awaitReady =
        new UpgradeNodeRequest(
            r.cluster(), r.kubeconfig(), n.node(), r.to(), policy.readyTimeout());
    AttentionReporter.start(steps);
    for (String[] s : STEPS) {
      // Only the drain may be skipped (with a reason): a PDB that cannot be honoured now.
      steps.declare(s[0], s[1], name, "drain".equals(s[0]));
    }
    String upgradeName = n.first() ? "kubeadm upgrade apply " + r.to() : "kubeadm upgrade node";
    OperationOutcome outcome =
        steps.operation(
            () -> {
              StepOutcome check =
                  steps.run(
                      "check",
                      "check versions",
                      name,
                      false,
                      () ->
                          atTarget(
                              host.observe(onHost),
                              api.nodeState(onApi),
                              r.to(),
                              n.controlPlane()));
              if (check != null && check.alreadySatisfied()) {
                for (String[] s : STEPS.subList(1, STEPS.size())) {
                  steps.satisfied(
                      s[0], s[1], name, name + " already runs " + r.to() + " and is Ready");
                }
                return;
              }
              steps.run(
                  "kubeadm-package",
                  "kubeadm package",
                  name,
                  false,
                  () -> host.installKubeadm(onHost));
              steps.run(
                  "kubeadm-upgrade", upgradeName, name, false, () -> host.kubeadmUpgrade(onHost));
              // Registered before the cordon: an abort uncordons what Graft cordoned, unless the
              // kubelet
              // has been touched and the node did not come back Ready at the target (half-upgraded:
              // it
              // stays cordoned, and the operation says so).
              steps.onAbort(
                  "undo-drain",
                  "uncordon (unless half-upgraded)",
                  name,
                  () -> {
                    if (!kubeletTouched) {
                      undo.uncordon(onApi);
                    }
                  });
              steps.run("drain", "cordon and drain", name, true, () -> waiter.drain(onApi));
              kubeletTouched = true;
              steps.run(
                  "kubelet-package",
                  "kubelet and kubectl packages, restart kubelet",
                  name,
                  false,
                  () -> host.installKubelet(onHost));
              steps.run(
                  "ready",
                  "wait Ready at " + r.to() + ", uncordon",
                  name,
                  false,
                  () -> waiter.awaitReadyAndUncordon(awaitReady));
              steps.keep("undo-drain");
            });
    return new NodeJoinResult(name, outcome, steps.view());
  }

  /**
   * Whether the node is done already (pure): packages, the control plane's manifests and the
   * kubelet the API sees all at the target, Ready and schedulable.
   */
  static StepOutcome atTarget(HostVersions host, NodeState api, String to, boolean controlPlane) {
    KubeVersion target = KubeVersion.parse(to);
    String want = target == null ? to : target.upstream();
    boolean packages = want.equals(host.kubeadm()) && want.equals(host.kubelet());
    boolean manifests =
        !controlPlane
            || (host.apiServerManifest() != null
                && target != null
                && target.equals(KubeVersion.parse(host.apiServerManifest())));
    boolean kubelet = target != null && target.equals(KubeVersion.parse(api.kubeletVersion()));
    boolean done = packages && manifests && kubelet && api.ready() && !api.unschedulable();
    String seen = host.summary() + "; " + api.summary();
    return done
        ? StepOutcome.alreadyDone(host.node() + " is already at " + to + ": " + seen, "", 1)
        : StepOutcome.did("to upgrade: " + seen, "", 1);
  }
}
