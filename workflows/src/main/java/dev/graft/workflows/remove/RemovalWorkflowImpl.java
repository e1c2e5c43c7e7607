package dev.graft.workflows.remove;

import dev.graft.workflows.ActivityKinds;
import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.expand.ChildStepResult;
import dev.graft.workflows.expand.ExpansionOptions;
import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.ExpansionWorkflow;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.expand.OperationSummary;
import dev.graft.workflows.expand.OperationWorkflow;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.ValidationOverrides;
import dev.graft.workflows.plan.NodeRemoval;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.step.ChildSteps;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.Parallel;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Runs one removal plan (see {@link RemovalWorkflow}). */
public class RemovalWorkflowImpl extends OperationWorkflow implements RemovalWorkflow {
  static final int PARALLEL_READS = 20;

  private final List<Orphan> orphans = new ArrayList<>();
  private RemovalPlan plan;
  private ExecutionPolicy policy;
  private EtcdSpec etcdAccess;

  @Override
  public ExpansionResult remove(OperationRequest r) {
    policy = begin(r);
    plan = r.removal();
    List<NodeRemoval> nodes = plan == null ? List.of() : plan.nodes();
    EtcdSpec e = r.cluster().etcd();
    etcdAccess = plan == null ? e : plan.reach(e);
    boolean etcd = !etcdAccess.endpoints().isEmpty();
    if (etcd) {
      steps.declare("precheck/etcd", "etcd quorum projection (live)", null, false);
    }
    String with = replacement();
    if (with != null && plan.addFirst()) {
      steps.declare(
          "add/" + with, "add control plane " + with + " (before the removal)", with, false);
    }
    steps.declare("precheck/nodes", "Nodes in the API", null, false);
    steps.declare("orphans", "orphans left by earlier changes", null, false);
    for (NodeRemoval n : nodes) {
      steps.declare(
          "node/" + n.name(),
          "remove " + (n.controlPlane() ? "control plane " : "worker ") + n.name(),
          n.name(),
          false);
    }
    if (with != null && !plan.addFirst()) {
      steps.declare(
          "add/" + with, "add control plane " + with + " (after the removal)", with, false);
    }
    if (etcd) {
      steps.declare("verify/etcd", "etcd healthy without the removed members", null, false);
    }
    steps.declare("verify/nodes", "the removed Nodes are gone", null, false);
    OperationOutcome outcome = operate(this::run);
    String message =
        outcome == OperationOutcome.ABORTED
            ? "aborted; nodes whose etcd member was not removed yet were uncordoned"
            : (with == null
                    ? ""
                    : "replaced by "
                        + with
                        + " ("
                        + (plan.addFirst() ? "added first" : "added after")
                        + "); ")
                + (nodes.isEmpty()
                    ? "no node to remove"
                    : "removed " + nodes.stream().map(NodeRemoval::name).toList())
                + (orphans.isEmpty() ? "" : "; orphans found: " + orphans.size());
    return result(
        outcome,
        message,
        nodes.stream().map(NodeRemoval::name).toList(),
        List.of(),
        List.of(),
        "removed",
        "already-removed");
  }

  private void run() {
    if (plan == null || plan.refused()) {
      failure =
          plan == null ? "the request has no removal plan" : "the plan refuses: " + plan.refusals();
      return;
    }
    String cluster = request.cluster().name();
    String kubeconfig = request.cluster().kubeconfig();
    RemovalHostActivities host =
        Workflow.newActivityStub(RemovalHostActivities.class, ActivityKinds.ssh(policy));
    RemovalApiActivities api =
        Workflow.newActivityStub(RemovalApiActivities.class, ActivityKinds.kube(policy));
    RemovalEtcdActivities etcd =
        Workflow.newActivityStub(RemovalEtcdActivities.class, ActivityKinds.etcd(policy));
    List<String> removing = plan.nodes().stream().map(NodeRemoval::name).toList();
    List<String> removedIds =
        plan.nodes().stream().filter(NodeRemoval::etcdMember).map(NodeRemoval::memberId).toList();

    String with = replacement();
    if (with != null && plan.addFirst()) {
      // OLD's member is healthy: NEW joins first (etcd 3 -> 4 -> 3), so the removal that follows
      // never leaves etcd with less fault tolerance than it had; its pre-checks see NEW.
      if (request.options().requireApproval()) {
        // The add is the first change: the operator's approval comes before it (the gate below
        // then finds it approved).
        steps.gate(
            "approve",
            "approve replacing " + removing + " with " + with + " before the cluster changes");
      }
      phase = "ADD";
      add(with);
    }
    phase = "PRECHECKS";
    List<String> failed = new ArrayList<>();
    EtcdFacts facts = null;
    if (!etcdAccess.endpoints().isEmpty()) {
      // A refusal parks here, before anything changed: an operator retries once the member that
      // is down is back (the projection is made again on a fresh read), or aborts.
      facts =
          steps.run(
              "precheck/etcd",
              "etcd quorum projection (live)",
              null,
              false,
              () -> {
                EtcdFacts f = etcd.observe(new ClusterRequest(cluster, etcdAccess));
                return RemovalChecks.projected(f, removedIds, plan.acceptNoFaultTolerance());
              });
    }
    NodeFacts seen = null;
    try {
      seen =
          steps.attempt(
              "precheck/nodes",
              "Nodes in the API",
              null,
              () -> api.nodes(new ClusterNodesRequest(cluster, kubeconfig)));
    } catch (ActivityFailure x) {
      failed.add("the API");
    }
    if (!failed.isEmpty()) {
      failure = "pre-checks failed on " + failed + "; nothing in the cluster was changed";
      return;
    }
    // Half-joined hosts: every inventory host that answers is asked what kubeadm left on it.
    Map<String, List<String>> kubeadmFiles =
        new TreeMap<>(); // workflow threads take turns: no locking needed
    List<NodeSpec> look = new ArrayList<>(plan.staying());
    Parallel.forEach(
        look,
        PARALLEL_READS,
        n -> {
          try {
            HostFacts h =
                steps.attempt(
                    "precheck/host/" + n.name(),
                    "what kubeadm left",
                    n.name(),
                    () -> host.observe(new RemovalHostRequest(cluster, request.operationId(), n)));
            if (h != null) {
              kubeadmFiles.put(n.name(), h.kubeadmFiles());
            }
          } catch (ActivityFailure x) {
            // An unreachable staying host is reported on its step; it is not an orphan finding.
          }
        });
    NodeFacts nodesSeen = seen;
    EtcdFacts etcdSeen = facts;
    orphans.addAll(
        Orphans.find(
            request.cluster().nodes(),
            nodesSeen == null ? List.of() : nodesSeen.nodes(),
            nodesSeen == null ? List.of() : nodesSeen.ready(),
            etcdSeen == null ? List.of() : etcdSeen.members(),
            kubeadmFiles,
            removing));
    steps.run(
        "orphans",
        "orphans left by earlier changes",
        null,
        false,
        () ->
            orphans.isEmpty()
                ? StepOutcome.alreadyDone(
                    "no orphan: no learner, no member without a Node, no Node without a host,"
                        + " no half-joined host",
                    "",
                    1)
                : StepOutcome.did(
                    orphans.size()
                        + " orphan(s), each with a proposed step"
                        + (plan.cleanOrphans()
                            ? " (removed once an operator approves approve/orphans)"
                            : " (reported only: submit with cleanOrphans to remove them after approval)"),
                    String.join("\n", orphans.stream().map(Orphan::toString).toList()),
                    1));
    if (request.options().requireApproval()) {
      steps.gate("approve", "approve removing " + removing + " before the cluster changes");
    }
    if (plan.cleanOrphans() && !orphans.isEmpty()) {
      phase = "ORPHANS";
      steps.gate(
          "approve/orphans",
          "approve removing "
              + orphans.size()
              + " orphan(s): "
              + orphans.stream().map(o -> o.kind() + " " + o.name()).toList());
      for (Orphan o : orphans) {
        steps.run(o.stepId(), o.proposed(), o.name(), true, () -> cleanOrphan(o, host, api, etcd));
      }
    }
    phase = "REMOVE";
    for (NodeRemoval n : plan.nodes()) {
      node(n, removedIds);
    }
    if (with != null && !plan.addFirst()) {
      // OLD was dead: it went first (its member added nothing to the fault tolerance), now NEW
      // joins.
      phase = "ADD";
      add(with);
    }
    phase = "VERIFICATION";
    if (!etcdAccess.endpoints().isEmpty()) {
      steps.run(
          "verify/etcd",
          "etcd healthy without the removed members",
          null,
          false,
          () ->
              RemovalChecks.verifyEtcd(
                  etcd.observe(new ClusterRequest(cluster, etcdAccess)), removedIds));
    }
    steps.run(
        "verify/nodes",
        "the removed Nodes are gone",
        null,
        false,
        () ->
            RemovalChecks.verifyNodes(
                api.nodes(new ClusterNodesRequest(cluster, kubeconfig)), removing));
  }

  /**
   * The node a replacement adds, or null for a plain removal (or a request without an expansion
   * plan).
   */
  private String replacement() {
    return plan == null || plan.replaceWith() == null || request.plan() == null
        ? null
        : plan.replaceWith();
  }

  /**
   * A replacement's new control plane joins through the expansion's own workflow (pre-checks, the
   * etcd quorum gate, the join, routes, verification), as a child with its own id and steps. Its
   * cluster is the expansion plan's: the nodes the cluster has plus the new one (an inventory that
   * still lists nodes removed earlier must not make them join again).
   */
  private void add(String with) {
    Set<String> names = new LinkedHashSet<>(request.plan().existingNodes());
    request.plan().additions().forEach(a -> names.add(a.name()));
    ClusterSpec c = request.cluster();
    // Added first, etcd holds an even count (4) until the removal that follows: accepted here.
    ClusterSpec cluster =
        new ClusterSpec(
            c.name(),
            c.apiEndpoint(),
            c.kubeconfig(),
            c.kubernetesVersion(),
            c.podNetwork(),
            c.serviceCidr(),
            c.etcd(),
            c.ssh(),
            c.nodes().stream().filter(n -> names.contains(n.name())).toList(),
            plan.addFirst() ? new ValidationOverrides(true) : c.overrides());
    OperationRequest in =
        new OperationRequest(
            request.kind(),
            request.requestId() + "/add",
            request.requestedBy(),
            cluster,
            request.plan(),
            new ExpansionOptions(
                false,
                false,
                request.options().maxParallel(),
                false,
                null,
                request.options().policy()));
    children.step(
        "add/" + with,
        "add control plane " + with,
        with,
        false,
        ChildSteps.child(
            request.operationId() + "/add",
            "the addition of " + with,
            ExpansionWorkflow.class,
            child -> Async.function(child::expand, in)),
        result -> StepOutcome.did("added " + with + ": " + result.message(), "", 1));
  }

  private StepOutcome cleanOrphan(
      Orphan o, RemovalHostActivities host, RemovalApiActivities api, RemovalEtcdActivities etcd) {
    String cluster = request.cluster().name();
    return switch (o.kind()) {
      case Orphan.LEARNER, Orphan.MEMBER_WITHOUT_NODE ->
          etcd.removeMember(
              new MemberIdRequest(cluster, etcdAccess, o.name(), o.memberId(), null, List.of()));
      case Orphan.NODE_WITHOUT_HOST ->
          api.deleteNode(
              new RemovalNodeRequest(
                  cluster, request.cluster().kubeconfig(), NodeSpec.named(o.name()), null));
      default ->
          host.reset(
              new RemovalHostRequest(
                  cluster,
                  request.operationId(),
                  request.cluster().nodes().stream()
                      .filter(n -> n.name().equals(o.name()))
                      .findFirst()
                      .map(request.cluster()::layered)
                      .orElseThrow()));
    };
  }

  /** One node's removal as a child; a child that ends aborted or failed parks the step. */
  private void node(NodeRemoval n, List<String> removedIds) {
    String name = n.name();
    List<String> avoid = removedIds.stream().filter(id -> !id.equals(n.memberId())).toList();
    NodeRemovalRequest in =
        new NodeRemovalRequest(
            request.cluster().name(),
            request.operationId(),
            request.cluster().kubeconfig(),
            etcdAccess,
            n,
            plan.stayingInCluster(),
            plan.etcdEndpoints(),
            avoid,
            plan.unreachable(),
            plan.drainTimeout(),
            policy,
            plan.overridden(n.memberId()));
    children.step(
        "node/" + name,
        "remove " + (n.controlPlane() ? "control plane " : "worker ") + name,
        name,
        false,
        ChildSteps.child(
            NodeRemovalRequest.workflowId(request.operationId(), name),
            "the removal of " + name,
            NodeRemovalWorkflow.class,
            c -> Async.function(c::remove, in)),
        result -> ChildStepResult.of("removed", result.steps()));
  }

  @Override
  public ExpansionProgress progress() {
    return progress(null, List.of(), null, plan);
  }

  @Override
  public void operationProgress(OperationSummary progress) {
    // A replacement's expansion child speaks as to a cluster workflow: this operation's own
    // progress says where it is.
  }
}
