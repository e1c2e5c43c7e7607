package dev.graft.workflows.etcd;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.Failures;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.RetryPlan;
import dev.graft.workflows.step.StepsWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * External topology, per new member: gate → certificates → install → add learner → start → catch up
 * → promote → verify; a learner that does not start or catch up within the budget is rolled back
 * (member removed, host cleaned) by compensations registered before the calls they undo. Stacked
 * topology: verify that kubeadm's new member is a healthy voter, and remove what it left behind
 * otherwise. One member at a time; the gate runs before each.
 */
public class EtcdGrowthWorkflowImpl extends StepsWorkflow implements EtcdGrowthWorkflow {
  private static final Logger LOG = Workflow.getLogger(EtcdGrowthWorkflowImpl.class);

  private EtcdGrowthRequest request;
  private EtcdPolicy policy;
  private EtcdSpec access;
  private List<String> ownedPeerUrls;
  private List<String> clientUrls = List.of();
  private final List<String> added = new ArrayList<>();
  private final List<String> rolledBack = new ArrayList<>();
  private String failure;

  private EtcdActivities etcd;
  private EtcdActivities change;
  private EtcdActivities undoEtcd;

  /** How the engine retries a membership change (etcd refuses one for seconds after another). */
  private RetryPlan changes;

  private EtcdHostActivities host;
  private EtcdHostActivities undoHost;

  @Override
  public EtcdGrowthResult grow(EtcdGrowthRequest r) {
    request = r;
    policy = r.policy();
    access = r.etcd();
    ExecutionPolicy exec = steps.ownRetries(policy.execution(), ActivityKinds::steps);
    changes = ActivityKinds.etcdChanges(exec);
    etcd = Workflow.newActivityStub(EtcdActivities.class, ActivityKinds.etcd(exec));
    change = Workflow.newActivityStub(EtcdActivities.class, ActivityKinds.etcdChange(exec));
    undoEtcd = Workflow.newActivityStub(EtcdActivities.class, ActivityKinds.etcdCompensation());
    host = Workflow.newActivityStub(EtcdHostActivities.class, ActivityKinds.etcdHost(exec));
    undoHost = Workflow.newActivityStub(EtcdHostActivities.class, ActivityKinds.etcdCompensation());
    ownedPeerUrls = r.members().stream().map(EtcdGrowthWorkflowImpl::peerUrl).toList();
    boolean external = r.etcd().topology() == EtcdTopology.EXTERNAL;
    declareSteps(external);

    OperationOutcome outcome =
        steps.operation(
            () -> {
              for (int i = 0; i < r.members().size(); i++) {
                NodeSpec node = r.members().get(i);
                boolean ok =
                    external
                        ? addExternal(node, ownedPeerUrls.subList(i, ownedPeerUrls.size()))
                        : verifyStacked(node);
                if (!ok) {
                  break;
                }
              }
              if (external) {
                updateApiServers();
              }
            });
    if (outcome == OperationOutcome.COMPLETED && failure != null) {
      outcome = OperationOutcome.FAILED;
    }
    String message =
        failure != null
            ? failure
            : outcome == OperationOutcome.ABORTED
                ? "aborted by an operator; compensations ran"
                : "etcd members added or verified: " + String.join(", ", added);
    LOG.info("etcd growth of {} ended {}: {}", r.cluster(), outcome.wire(), message);
    return new EtcdGrowthResult(
        r.cluster(), outcome, List.copyOf(added), List.copyOf(rolledBack), message, steps.view());
  }

  private void declareSteps(boolean external) {
    for (NodeSpec n : request.members()) {
      String name = n.name();
      if (external) {
        steps.declare("repair/" + name, "remove stale members of this operation", name, false);
        steps.declare("gate/" + name, "quorum gate", name, false);
        steps.declare("certs/" + name, "issue peer and server certificates", name, false);
        steps.declare("install/" + name, "write etcd config and systemd unit", name, false);
        steps.declare("add/" + name, "add as learner", name, false);
        steps.declare("start/" + name, "start with initial-cluster-state=existing", name, false);
        steps.declare("catch-up/" + name, "wait until caught up", name, false);
        steps.declare("promote/" + name, "promote to voter", name, false);
        steps.declare("verify/" + name, "verify every member healthy", name, false);
      } else {
        steps.declare(
            "verify-voter/" + name, "verify kubeadm's member is a healthy voter", name, false);
      }
    }
    if (external) {
      steps.declare("apiservers", "point kube-apiservers at the etcd members", null, false);
    }
  }

  static String peerUrl(NodeSpec node) {
    return EtcdSpec.peerUrl(node);
  }

  static String clientUrl(NodeSpec node) {
    return EtcdSpec.clientUrl(node);
  }

  private boolean addExternal(NodeSpec node, List<String> pending) {
    String n = node.name();
    String peer = peerUrl(node);
    String client = clientUrl(node);
    steps.run(
        "repair/" + n,
        "remove stale members of this operation",
        n,
        false,
        changes,
        () -> change.repair(new RepairRequest(request.cluster(), access, ownedPeerUrls)));
    GateResult gate =
        gate(
            n,
            new GateRequest(request.cluster(), access, n, peer, pending, policy.allowEvenSize()));
    if (gate.alreadySatisfied()) {
      for (String s :
          List.of("certs/", "install/", "add/", "start/", "catch-up/", "promote/", "verify/")) {
        steps.satisfied(s + n, s, n, n + " is already a healthy voter");
      }
      added.add(n);
      access = withEndpoint(access, client);
      return true;
    }
    List<String> initial = new ArrayList<>(gate.initialCluster());
    initial.add(n + "=" + peer);
    EtcdHostRequest onHost =
        new EtcdHostRequest(
            request.cluster(), node, request.ca(), n, peer, client, initial, policy.etcdBinary());
    steps.run(
        "certs/" + n,
        "issue peer and server certificates",
        n,
        false,
        () -> host.issueCertificates(onHost));
    // Compensations are registered before the call they undo, and undo in reverse order:
    // remove the member first, then stop and clean the host.
    steps.onAbort(
        "undo-install/" + n,
        "stop etcd and clean the host",
        n,
        () -> undoHost.stopAndClean(onHost));
    steps.run(
        "install/" + n, "write etcd config and systemd unit", n, false, () -> host.install(onHost));
    MemberRequest member = new MemberRequest(request.cluster(), access, n, peer, client);
    steps.onAbort("undo-add/" + n, "remove the member from etcd", n, () -> undoEtcd.remove(member));
    MemberResult learner =
        steps.run("add/" + n, "add as learner", n, false, changes, () -> change.addLearner(member));

    Duration budget = policy.catchUpBudget();
    long deadline = Workflow.currentTimeMillis() + budget.toMillis();
    String phase = "start";
    try {
      EtcdHostActivities starter =
          Workflow.newActivityStub(EtcdHostActivities.class, ActivityKinds.withinBudget(budget));
      EtcdHostRequest start = onHost.withInitialCluster(learner.initialCluster());
      steps.attempt(
          "start/" + n, "start with initial-cluster-state=existing", n, () -> starter.start(start));
      phase = "catch-up";
      ActivityOptions left =
          ActivityKinds.withinBudget(Duration.ofMillis(deadline - Workflow.currentTimeMillis()));
      EtcdActivities waiter = Workflow.newActivityStub(EtcdActivities.class, left);
      CatchUpRequest catchUp =
          new CatchUpRequest(
              request.cluster(), access, n, peer, client, deadline, policy.maxRaftLag());
      steps.attempt(
          "catch-up/" + n, "wait until caught up", n, () -> waiter.awaitCaughtUp(catchUp));
    } catch (ActivityFailure f) {
      failure =
          n
              + " did not start or catch up within "
              + budget
              + " ("
              + phase
              + ": "
              + Failures.rootMessage(f)
              + "); rolled back: member removed, host cleaned, membership as before";
      rolledBack.add(n);
      LOG.warn("rolling back etcd member {}: {}", n, Failures.rootMessage(f));
      steps.compensate();
      return false;
    }
    steps.run("promote/" + n, "promote to voter", n, false, changes, () -> change.promote(member));
    EtcdSpec withNew = withEndpoint(access, client);
    HealthResult health =
        steps.run(
            "verify/" + n,
            "verify every member healthy",
            n,
            false,
            () -> etcd.verifyHealthy(new ClusterRequest(request.cluster(), withNew)));
    // The member is meant to stay: a later member's rollback must not remove it.
    steps.keep("undo-add/" + n);
    steps.keep("undo-install/" + n);
    access = withNew;
    clientUrls = health == null ? clientUrls : health.clientUrls();
    added.add(n);
    return true;
  }

  /**
   * The gate, checked up to {@code gateChecks} times with a durable wait between checks; the last
   * refusal parks the step in needs-attention, where an operator's retry checks again.
   */
  private GateResult gate(String n, GateRequest gateRequest) {
    String id = "gate/" + n;
    for (int check = 1; ; check++) {
      if (check >= policy.gateChecks()) {
        return steps.run(id, "quorum gate", n, false, () -> etcd.gate(gateRequest));
      }
      try {
        return steps.attempt(id, "quorum gate", n, () -> etcd.gate(gateRequest));
      } catch (ActivityFailure f) {
        // graft_etcd_gate_waits_total: a durable wait for the gate (the checks themselves are
        // counted by the activity, graft_etcd_gate_checks_total{result}).
        Workflow.getMetricsScope().counter("graft_etcd_gate_waits").inc(1);
        steps.waiting(
            id,
            "check "
                + check
                + " of "
                + policy.gateChecks()
                + " refused; next check in "
                + policy.gateRetryInterval().toSeconds()
                + " s");
        Workflow.sleep(policy.gateRetryInterval());
      }
    }
  }

  private boolean verifyStacked(NodeSpec node) {
    String n = node.name();
    MemberRequest member =
        new MemberRequest(request.cluster(), access, n, peerUrl(node), clientUrl(node));
    EtcdActivities verifier =
        Workflow.newActivityStub(
            EtcdActivities.class, ActivityKinds.withinBudget(policy.catchUpBudget()));
    try {
      steps.attempt(
          "verify-voter/" + n,
          "verify kubeadm's member is a healthy voter",
          n,
          () -> verifier.verifyVoter(member));
    } catch (ActivityFailure f) {
      steps.run(
          "repair/" + n,
          "remove what kubeadm left behind",
          n,
          false,
          changes,
          () ->
              change.repair(new RepairRequest(request.cluster(), access, List.of(peerUrl(node)))));
      failure =
          n
              + ": "
              + Failures.rootMessage(f)
              + "; Graft removed the stale member so the cluster is as"
              + " before: reset the node (kubeadm reset) and join it again";
      return false;
    }
    added.add(n);
    access = withEndpoint(access, clientUrl(node));
    return true;
  }

  private void updateApiServers() {
    if (added.isEmpty() || clientUrls.isEmpty()) {
      steps.satisfied(
          "apiservers",
          "point kube-apiservers at the etcd members",
          null,
          "etcd membership unchanged by this operation");
      return;
    }
    ApiServerRequest api =
        new ApiServerRequest(request.cluster(), request.controlPlanes(), clientUrls);
    steps.run(
        "apiservers",
        "point kube-apiservers at the etcd members",
        null,
        false,
        () -> host.updateApiServers(api));
  }

  private static EtcdSpec withEndpoint(EtcdSpec spec, String endpoint) {
    if (spec.endpoints().contains(endpoint)) {
      return spec;
    }
    List<String> e = new ArrayList<>(spec.endpoints());
    e.add(endpoint);
    return spec.withEndpoints(e);
  }
}
