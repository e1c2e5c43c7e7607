package dev.graft.workflows.upgrade;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.etcd.EtcdActivities;
import dev.graft.workflows.expand.ChildStepResult;
import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationWorkflow;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.NodeUpgrade;
import dev.graft.workflows.plan.UpgradePlan;
import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Runs one upgrade plan (see {@link UpgradeWorkflow}). */
public class UpgradeWorkflowImpl extends OperationWorkflow implements UpgradeWorkflow {
  /** Pre-checks and image pulls only read or fetch, but each holds an SSH session. */
  static final int PARALLEL_READS = 20;

  private final List<String> skipped = new ArrayList<>();
  private UpgradePlan plan;
  private ExecutionPolicy policy;

  @Override
  public ExpansionResult upgrade(OperationRequest r) {
    policy = begin(r);
    plan = r.upgrade();
    List<NodeUpgrade> nodes = plan == null ? List.of() : plan.nodes();
    steps.declare("precheck/cluster", "cluster pre-checks", null, false);
    for (NodeUpgrade n : nodes) {
      steps.declare("precheck/" + n.node().name(), "pre-checks", n.node().name(), false);
    }
    if (plan != null && plan.snapshotNode() != null) {
      steps.declare("etcd-snapshot", "etcd snapshot", plan.snapshotNode(), false);
    }
    for (NodeUpgrade n : nodes) {
      steps.declare("images/" + n.node().name(), "pull images", n.node().name(), true);
    }
    for (NodeUpgrade n : nodes) {
      steps.declare("node/" + n.node().name(), nodeName(n), n.node().name(), !n.controlPlane());
    }
    OperationOutcome outcome = operate(this::run);
    String message =
        outcome == OperationOutcome.ABORTED && failure == null
            ? "aborted; nothing was downgraded, running node upgrades"
                + " were cancelled and uncordoned what Graft had cordoned (a node whose kubelet was being replaced"
                + " stays cordoned)"
                + afterAbort()
            : "upgraded to "
                + (plan == null ? null : plan.to())
                + " ("
                + (nodes.size() - skipped.size())
                + " node(s))"
                + (skipped.isEmpty() ? "" : "; skipped by an operator: " + skipped);
    return result(
        outcome,
        message,
        nodes.stream().map(n -> n.node().name()).toList(),
        List.of(),
        skipped,
        "upgraded",
        "already-upgraded");
  }

  private void run() {
    if (plan == null || plan.refused()) {
      failure =
          plan == null ? "the request has no upgrade plan" : "the plan refuses: " + plan.refusals();
      return;
    }
    String cluster = request.cluster().name();
    String kubeconfig = request.cluster().kubeconfig();
    UpgradeHostActivities host =
        Workflow.newActivityStub(UpgradeHostActivities.class, ActivityKinds.ssh(policy));
    UpgradeApiActivities api =
        Workflow.newActivityStub(UpgradeApiActivities.class, ActivityKinds.kube(policy));
    EtcdActivities etcd =
        Workflow.newActivityStub(EtcdActivities.class, ActivityKinds.etcd(policy));
    List<NodeUpgrade> nodes = plan.nodes();
    List<NodeSpec> specs = nodes.stream().map(NodeUpgrade::node).toList();

    phase = "PRECHECKS";
    List<String> failed = new ArrayList<>();
    try {
      steps.attempt(
          "precheck/cluster",
          "cluster pre-checks",
          null,
          () ->
              api.clusterPrecheck(
                  new UpgradeClusterRequest(cluster, kubeconfig, specs, plan.to())));
    } catch (ActivityFailure e) {
      failed.add("the cluster");
    }
    Parallel.forEach(
        nodes,
        PARALLEL_READS,
        n -> {
          try {
            steps.attempt(
                "precheck/" + n.node().name(),
                "pre-checks",
                n.node().name(),
                () -> host.precheck(onHost(n)));
          } catch (ActivityFailure e) {
            failed.add(n.node().name());
          }
        });
    EtcdSpec etcdAccess = request.cluster().etcd();
    if (!etcdAccess.endpoints().isEmpty()) {
      try {
        steps.attempt(
            "precheck/etcd",
            "etcd healthy, no learner",
            null,
            () -> etcd.verifyHealthy(new ClusterRequest(cluster, etcdAccess)));
      } catch (ActivityFailure e) {
        failed.add("etcd");
      }
    }
    if (!failed.isEmpty()) {
      failure = "pre-checks failed on " + failed + "; nothing in the cluster was changed";
      return;
    }
    if (request.options().requireApproval()) {
      steps.gate("approve", "approve the upgrade to " + plan.to() + " before the cluster changes");
    }
    if (plan.snapshotNode() != null) {
      phase = "SNAPSHOT";
      NodeUpgrade on =
          nodes.stream()
              .filter(n -> n.node().name().equals(plan.snapshotNode()))
              .findFirst()
              .orElse(null);
      if (on != null) {
        steps.run(
            "etcd-snapshot",
            "etcd snapshot",
            on.node().name(),
            false,
            () -> host.snapshotEtcd(onHost(on)));
      }
    }
    phase = "PREFETCH";
    Parallel.forEach(
        nodes,
        Math.min(PARALLEL_READS, request.options().maxParallel() * 4),
        n ->
            steps.run(
                "images/" + n.node().name(),
                "pull images",
                n.node().name(),
                true,
                () -> host.pullImages(onHost(n))));

    phase = "CONTROL_PLANE";
    for (NodeUpgrade n : plan.controlPlanes()) {
      if (request.options().approveEachControlPlane()) {
        steps.gate(
            "approve/" + n.node().name(),
            "approve upgrading control-plane node " + n.node().name());
      }
      node(n);
    }
    phase = "WORKERS";
    for (List<NodeUpgrade> batch : plan.workerBatches()) {
      Parallel.forEach(batch, batch.size(), this::node);
    }
    phase = "VERIFICATION";
    List<NodeUpgrade> verified =
        nodes.stream().filter(n -> !skipped.contains(n.node().name())).toList();
    steps.run(
        "verify/versions",
        "every node Ready at " + plan.to(),
        null,
        false,
        () -> versions(api, verified));
    if (!etcdAccess.endpoints().isEmpty()) {
      steps.run(
          "verify/etcd",
          "etcd healthy",
          null,
          false,
          () -> etcd.verifyHealthy(new ClusterRequest(cluster, etcdAccess)));
    }
  }

  /** One node's upgrade as a child; a child that ends aborted or failed parks the step. */
  private void node(NodeUpgrade n) {
    String name = n.node().name();
    String stepId = "node/" + name;
    NodeUpgradeRequest in =
        new NodeUpgradeRequest(
            request.cluster().name(),
            request.operationId(),
            request.cluster().kubeconfig(),
            n,
            plan.to(),
            plan.drainTimeout(),
            policy);
    ChildStepResult done =
        children.step(
            stepId,
            nodeName(n),
            name,
            !n.controlPlane(),
            ChildSteps.child(
                NodeUpgradeRequest.workflowId(request.operationId(), name),
                "the upgrade of " + name,
                NodeUpgradeWorkflow.class,
                c -> Async.function(c::upgrade, in)),
            result -> ChildStepResult.of("upgraded", result.steps()));
    if (done == null
        && steps.view().stream()
            .anyMatch(s -> s.id().equals(stepId) && s.state() == StepState.SKIPPED)) {
      skipped.add(name);
    }
  }

  /** Every node's kubelet at the target and Ready, read node by node (one activity each). */
  private StepOutcome versions(UpgradeApiActivities api, List<NodeUpgrade> nodes) {
    List<String> off = new ArrayList<>();
    for (NodeUpgrade n : nodes) {
      NodeState s =
          api.nodeState(
              new UpgradeNodeRequest(
                  request.cluster().name(),
                  request.cluster().kubeconfig(),
                  n.node(),
                  plan.to(),
                  null));
      KubeVersion v = KubeVersion.parse(s.kubeletVersion());
      if (!s.ready() || v == null || !v.equals(KubeVersion.parse(plan.to()))) {
        off.add(s.summary());
      }
    }
    if (!off.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not every node is Ready at " + plan.to() + ": " + String.join("; ", off),
          FailureTypes.UPGRADE_NOT_VERIFIED);
    }
    return StepOutcome.did("all " + nodes.size() + " nodes Ready at " + plan.to(), "", 1);
  }

  /**
   * Where each node the upgrade did not finish stands now, read after the abort (histories from
   * before this report replay without it).
   */
  private String afterAbort() {
    if (plan == null
        || Workflow.getVersion("upgrade-abort-report", Workflow.DEFAULT_VERSION, 1) < 1) {
      return "";
    }
    Set<String> finished = new LinkedHashSet<>();
    for (StepView s : steps.view()) {
      if (s.id().startsWith("node/")
          && (s.state() == StepState.SUCCEEDED || s.state() == StepState.ALREADY_SATISFIED)) {
        finished.add(s.id().substring("node/".length()));
      }
    }
    // Reads only, retried as compensations are: a worker lost here must not leave the report blank.
    UpgradeHostActivities host =
        Workflow.newActivityStub(UpgradeHostActivities.class, ActivityKinds.compensation());
    UpgradeApiActivities api =
        Workflow.newActivityStub(UpgradeApiActivities.class, ActivityKinds.compensation());
    List<String> states =
        AbortReport.read(
            plan.nodes(),
            finished,
            plan.to(),
            host,
            api,
            this::onHost,
            n ->
                new UpgradeNodeRequest(
                    request.cluster().name(),
                    request.cluster().kubeconfig(),
                    n.node(),
                    plan.to(),
                    null));
    return states.isEmpty() ? "" : ". Nodes not finished: " + String.join("; ", states);
  }

  private UpgradeHostRequest onHost(NodeUpgrade n) {
    return new UpgradeHostRequest(
        request.cluster().name(),
        request.operationId(),
        n.node(),
        plan.to(),
        n.controlPlane(),
        n.first());
  }

  private static String nodeName(NodeUpgrade n) {
    return n.first()
        ? "upgrade control plane (kubeadm upgrade apply)"
        : n.controlPlane() ? "upgrade control plane" : "upgrade worker";
  }

  @Override
  public ExpansionProgress progress() {
    return progress(null, List.of(), plan, null);
  }
}
