package dev.graft.server.operations;

import dev.graft.server.api.ApiProblem;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryPlanner;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.planning.ClusterObserver;
import dev.graft.server.planning.PlanningException;
import dev.graft.server.planning.PlanningService;
import dev.graft.server.security.ServerFiles;
import dev.graft.workflows.expand.ExpansionOptions;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.ValidationOverrides;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.ObservedCluster;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.PlanOptions;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.remove.RemovalInput;
import dev.graft.workflows.remove.RemovalPlanner;
import dev.graft.workflows.step.ExecutionPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * A removal ({@code kind: "remove"}) from a request: its {@code remove} section checked (a 400
 * naming the field: a node name such as {@code a;rm -rf /} never goes further), the inventory
 * imported and filled from the cluster as an expansion's, the cluster read through the kubeconfig
 * (Nodes with their readiness, etcd's members with their health, and the leader), the {@link
 * RemovalPlanner} asked (a refused plan is a 422 with its refusals and projection), and only then
 * the operation signalled to the cluster workflow.
 */
public final class RemoveRequests {
  public static final String KIND = "remove";
  static final int MAX_NODES = 50;

  private final PlanningService planning;
  private final InventoryValidator validator;
  private final ServerFiles files;
  private final ExecutionPolicy policy;
  private final boolean checkFiles;
  private final Duration timeout = Duration.ofSeconds(10);

  public RemoveRequests(
      PlanningService planning,
      InventoryValidator validator,
      ServerFiles files,
      ExecutionPolicy policy,
      boolean checkFiles) {
    this.planning = planning;
    this.validator = validator;
    this.files = files;
    this.policy = policy;
    this.checkFiles = checkFiles;
  }

  /** The remove section, checked. */
  public record Target(
      List<String> nodes,
      boolean unreachable,
      Duration drainTimeout,
      boolean cleanOrphans,
      boolean acceptNoFaultTolerance,
      String with) {}

  /**
   * The inventory as planned and the plan; a replacement's expansion plan for the new node, else
   * null.
   */
  public record Planned(ImportedInventory inventory, RemovalPlan plan, ExpansionPlan addition) {
    public Planned(ImportedInventory inventory, RemovalPlan plan) {
      this(inventory, plan, null);
    }
  }

  public static Target target(ExpandRequest.Remove r) {
    if (r == null) {
      throw ApiProblem.field(
          "remove", "is required for kind \"remove\": {\"nodes\": [\"k8s-node4\"]}");
    }
    boolean orphansOnly =
        (r.nodes() == null || r.nodes().isEmpty())
            && Boolean.TRUE.equals(r.cleanOrphans())
            && r.with() == null;
    if (!orphansOnly && (r.nodes() == null || r.nodes().isEmpty())) {
      throw ApiProblem.field(
          "remove.nodes",
          "is required: the names of the nodes to remove (or, without nodes,"
              + " remove.cleanOrphans: true to remove only what earlier changes left behind)");
    }
    if (orphansOnly) {
      return new Target(
          List.of(),
          Boolean.TRUE.equals(r.unreachable()),
          UpgradeRequests.drainTimeout(r.drainTimeout(), "remove.drainTimeout"),
          true,
          false,
          null);
    }
    if (r.nodes().size() > MAX_NODES) {
      throw ApiProblem.field(
          "remove.nodes",
          "names " + r.nodes().size() + " nodes; at most " + MAX_NODES + " per operation");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < r.nodes().size(); i++) {
      String n = r.nodes().get(i);
      if (n == null || n.length() > 253 || !RemovalPlanner.NODE_NAME.matcher(n).matches()) {
        throw ApiProblem.field(
            "remove.nodes[" + i + "]",
            "is not a node name (lower-case letters, digits,"
                + " '-' and '.', as Kubernetes names nodes)");
      }
      if (names.contains(n)) {
        throw ApiProblem.field("remove.nodes[" + i + "]", "\"" + n + "\" is named twice");
      }
      names.add(n);
    }
    String with = r.with();
    if (with != null) {
      if (with.length() > 253 || !RemovalPlanner.NODE_NAME.matcher(with).matches()) {
        throw ApiProblem.field(
            "remove.with", "is not a node name (lower-case letters, digits, '-' and '.')");
      }
      if (names.size() != 1) {
        throw ApiProblem.field(
            "remove.nodes", "a replacement replaces exactly one node; it names " + names.size());
      }
      if (names.contains(with)) {
        throw ApiProblem.field("remove.with", "\"" + with + "\" is the node it would replace");
      }
      if (Boolean.TRUE.equals(r.acceptNoFaultTolerance())) {
        throw ApiProblem.field(
            "remove.acceptNoFaultTolerance",
            "is for a removal; a replacement adds first, or"
                + " removes a dead member first, and never needs it");
      }
    }
    return new Target(
        List.copyOf(names),
        Boolean.TRUE.equals(r.unreachable()),
        UpgradeRequests.drainTimeout(r.drainTimeout(), "remove.drainTimeout"),
        Boolean.TRUE.equals(r.cleanOrphans()),
        Boolean.TRUE.equals(r.acceptNoFaultTolerance()),
        with);
  }

  /** Checks the request and plans it against the cluster its kubeconfig names. Changes nothing. */
  public Planned plan(ExpandRequest req) {
    Target target = target(req.remove());
    if (req.kubeconfig() == null || req.kubeconfig().isBlank()) {
      throw ApiProblem.field(
          "kubeconfig",
          "is required for a removal: the Nodes and etcd members are read through it");
    }
    String content = files.read("kubeconfig", req.kubeconfig());
    ImportedInventory inv = OperationSubmitter.importInventory(req.inventory(), files);
    inv = OperationSubmitter.applySsh(inv, req.ssh(), req.knownHosts(), checkFiles ? files : null);
    return plan(inv, req.kubeconfig(), content, target);
  }

  /**
   * Reads the cluster and plans the removal (or replacement) {@code target} names: what {@code
   * graft plan --remove} shows and {@code POST /operations} stores. Changes nothing.
   */
  public Planned plan(ImportedInventory inv, String kubeconfigPath, String content, Target target) {
    ClusterObserver.Observation read;
    try {
      read = planning.observe(inv, kubeconfigPath, content);
    } catch (PlanningException e) {
      throw ApiProblem.planning(e.field(), e.getMessage());
    }
    if (target.with() != null) {
      // The inventory of a replacement lists OLD and NEW: one more etcd node than the cluster
      // keeps,
      // an even count for the moment the operation holds both. What stays is checked by the plans.
      ImportedInventory i = read.inventory();
      ClusterSpec ic = i.cluster();
      read =
          new ClusterObserver.Observation(
              new ImportedInventory(
                  i.file(),
                  i.format(),
                  new ClusterSpec(
                      ic.name(),
                      ic.apiEndpoint(),
                      ic.kubeconfig(),
                      ic.kubernetesVersion(),
                      ic.podNetwork(),
                      ic.serviceCidr(),
                      ic.etcd(),
                      ic.ssh(),
                      ic.nodes(),
                      new ValidationOverrides(true)),
                  i.positions(),
                  i.notes()),
              read.observed(),
              read.kubeadm(),
              read.drift(),
              read.ready(),
              read.leaderId());
    }
    validator.validate(read.inventory());
    ClusterSpec c = read.inventory().cluster();
    List<String> ready = read.ready();
    String leader = read.leaderId();
    List<PlanMessage> orphans = read.orphanWarnings(target.nodes());
    if (target.with() != null) {
      Planned p = replacement(target, read, ready, leader);
      return new Planned(p.inventory(), p.plan().withWarnings(orphans), p.addition());
    }
    RemovalPlan plan =
        RemovalPlanner.plan(
            new RemovalInput(
                c,
                target.nodes(),
                target.unreachable(),
                read.observed().nodes(),
                ready,
                read.observed().etcdMembers(),
                leader,
                target.drainTimeout(),
                target.cleanOrphans(),
                target.acceptNoFaultTolerance()));
    return new Planned(read.inventory(), plan.withWarnings(orphans));
  }

  /**
   * {@code graft replace --node OLD --with NEW}: one operation that adds NEW (a control plane of
   * the inventory, not in the cluster yet) through the expansion's workflow and removes OLD. OLD's
   * member healthy: NEW joins first and the removal is projected with NEW as a healthy voter (3 ->
   * 4 -> 3; the transient even count is accepted). OLD dead (its member unhealthy, or the operator
   * says unreachable): OLD goes first, which the projection allows only because a dead member adds
   * no fault tolerance, then NEW joins the members that stay.
   */
  private Planned replacement(
      Target target, ClusterObserver.Observation read, List<String> ready, String leader) {
    ClusterSpec c = read.inventory().cluster();
    String oldName = target.nodes().get(0);
    String with = target.with();
    List<PlanMessage> refusals = new ArrayList<>();
    List<PlanMessage> warnings = new ArrayList<>();
    NodeSpec fresh = c.nodes().stream().filter(n -> n.name().equals(with)).findFirst().orElse(null);
    NodeSpec old =
        c.nodes().stream().filter(n -> n.name().equals(oldName)).findFirst().orElse(null);
    List<ObservedNode> nodes = read.observed().nodes();
    List<EtcdMember> members = read.observed().etcdMembers();
    if (fresh == null) {
      refusals.add(
          new PlanMessage(
              "ReplaceNewNotInInventory",
              with,
              "the inventory does not list "
                  + with
                  + ": add it (address, roles control-plane and etcd) and plan again"));
    } else if (!fresh.hasRole(Role.CONTROL_PLANE)) {
      refusals.add(
          new PlanMessage(
              "ReplaceNewNotControlPlane",
              with,
              with
                  + " is not a control plane in the"
                  + " inventory: a replacement adds a control plane (remove a worker with graft remove, add one with"
                  + " graft expand)"));
    } else if (nodes.stream().anyMatch(n -> n.name().equals(with))
        || RemovalPlanner.memberOf(fresh, members) != null) {
      refusals.add(
          new PlanMessage(
              "ReplaceNewAlreadyInCluster",
              with,
              with
                  + " is in the cluster already (a Node"
                  + " or an etcd member on its address): remove "
                  + oldName
                  + " with graft remove instead"));
    }
    EtcdMember oldMember = old == null ? null : RemovalPlanner.memberOf(old, members);
    boolean dead = target.unreachable() || (oldMember != null && !oldMember.healthy());
    boolean addFirst = !dead;
    ClusterSpec removalCluster = c;
    List<EtcdMember> projected = members;
    if (fresh != null && addFirst) {
      // Projected as it will be when the removal starts: NEW a healthy voter.
      projected = new ArrayList<>(members);
      projected.add(new EtcdMember(with, "new-" + with, EtcdSpec.peerUrl(fresh), true, false));
    } else if (fresh != null) {
      // NEW joins after the removal: it is no staying node of it (no manifest or routes yet).
      removalCluster = c.withNodes(c.nodes().stream().filter(n -> !n.name().equals(with)).toList());
    }
    RemovalPlan removal =
        RemovalPlanner.plan(
            new RemovalInput(
                removalCluster,
                target.nodes(),
                target.unreachable(),
                nodes,
                ready,
                projected,
                leader,
                target.drainTimeout(),
                target.cleanOrphans(),
                false));
    if (fresh != null && !addFirst) {
      removal = endsWithNew(removal, with);
    }
    ExpansionPlan addition = null;
    if (fresh != null && refusals.isEmpty()) {
      // The expansion sees the cluster as it will be when NEW joins: the nodes it has (OLD too when
      // NEW goes first) and NEW; inventory nodes that are not in the cluster are no part of it.
      Set<String> keep = new HashSet<>();
      nodes.stream()
          .map(ObservedNode::name)
          .filter(n -> addFirst || !n.equals(oldName))
          .forEach(keep::add);
      keep.add(with);
      ClusterSpec ec =
          c.withNodes(c.nodes().stream().filter(n -> keep.contains(n.name())).toList());
      if (addFirst) {
        ec =
            new ClusterSpec(
                ec.name(),
                ec.apiEndpoint(),
                ec.kubeconfig(),
                ec.kubernetesVersion(),
                ec.podNetwork(),
                ec.serviceCidr(),
                ec.etcd(),
                ec.ssh(),
                ec.nodes(),
                new ValidationOverrides(true));
      }
      ObservedCluster eo =
          addFirst
              ? read.observed()
              : new ObservedCluster(
                  nodes.stream().filter(n -> !n.name().equals(oldName)).toList(),
                  members.stream().filter(m -> m != oldMember).toList());
      ImportedInventory inv = read.inventory();
      addition =
          new InventoryPlanner(validator)
              .plan(
                  new ImportedInventory(inv.file(), inv.format(), ec, inv.positions(), inv.notes()),
                  eo,
                  new PlanOptions(1));
      for (PlanMessage m : addition.refusals()) {
        refusals.add(
            new PlanMessage(
                "ReplaceAddRefused",
                m.node(),
                "adding " + with + ": " + m.code() + ": " + m.message()));
      }
      if (addition.additions().stream().noneMatch(a -> a.name().equals(with))
          || addition.additions().size() != 1) {
        refusals.add(
            new PlanMessage(
                "ReplaceAddRefused",
                with,
                "the expansion plan adds "
                    + addition.additions().stream().map(a -> a.name()).toList()
                    + ", not just "
                    + with));
      }
    }
    warnings.add(
        new PlanMessage(
            "ReplaceOrder",
            oldName,
            addFirst
                ? with
                    + " joins first (etcd "
                    + members.stream().filter(m -> !m.learner()).count()
                    + " -> "
                    + (members.stream().filter(m -> !m.learner()).count() + 1)
                    + " voters), then "
                    + oldName
                    + " is removed"
                : oldName
                    + (target.unreachable() ? " is unreachable" : " has an unhealthy etcd member")
                    + ": it is removed first (a dead member adds no fault tolerance), then "
                    + with
                    + " joins"));
    return new Planned(
        read.inventory(), removal.replacedBy(with, addFirst, warnings, refusals), addition);
  }

  /**
   * The removal plan of a replacement whose NEW joins after OLD went: etcd ends with one voter more
   * than the removal alone leaves. The planner's {@code EtcdEvenMemberCount} speaks of the removal
   * alone (a dead member of 3 gone: "etcd ends with 2 voters … add one"), which the replacement
   * does by itself; it is said of the count etcd really ends with, or not at all.
   */
  static RemovalPlan endsWithNew(RemovalPlan removal, String with) {
    if (removal.quorum().isEmpty()) {
      return removal;
    }
    int end = removal.quorum().get(removal.quorum().size() - 1).votersAfter() + 1;
    List<PlanMessage> warnings =
        new ArrayList<>(
            removal.warnings().stream()
                .filter(w -> !"EtcdEvenMemberCount".equals(w.code()))
                .toList());
    if (end % 2 == 0) {
      warnings.add(
          new PlanMessage(
              "EtcdEvenMemberCount",
              null,
              "etcd ends with "
                  + end
                  + " voters once "
                  + with
                  + " has joined, an even count: it tolerates no more failures than "
                  + (end - 1)
                  + " would; remove one more or add one (graft expand)"));
    }
    return new RemovalPlan(
        removal.cluster(),
        removal.nodes(),
        removal.staying(),
        removal.quorum(),
        removal.leaderMove(),
        removal.etcdEndpoints(),
        removal.unreachable(),
        removal.cleanOrphans(),
        removal.drainTimeout(),
        warnings,
        removal.refusals(),
        removal.acceptNoFaultTolerance(),
        removal.replaceWith(),
        removal.addFirst(),
        removal.notInCluster());
  }

  OperationSubmitter.Submitted submit(
      ExpandRequest req,
      String requestedBy,
      BiConsumer<String, OperationRequest> signal,
      BiPredicate<String, String> exists) {
    if (req.requestId() == null
        || !OperationSubmitter.REQUEST_ID.matcher(req.requestId()).matches()) {
      throw ApiProblem.field(
          "requestId",
          req.requestId() == null
              ? "is required (the idempotency key)"
              : "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (req.upgrade() != null) {
      throw ApiProblem.field("upgrade", "belongs to kind \"upgrade\", not \"remove\"");
    }
    ExpansionOptions options = OperationSubmitter.upgradeOptions(req.options(), policy);
    Planned planned = plan(req);
    RemovalPlan plan = planned.plan();
    if (plan.refused()) {
      throw ApiProblem.refused("the removal", plan.refusals(), "removal", plan);
    }
    ClusterSpec cluster = planned.inventory().cluster();
    String id = OperationRequest.operationId(cluster.name(), KIND, req.requestId());
    if (exists.test(cluster.name(), id)) {
      return new OperationSubmitter.Submitted(
          id, cluster.name(), req.requestId(), true, null, null, plan);
    }
    signal.accept(
        cluster.name(),
        new OperationRequest(
            KIND,
            req.requestId(),
            requestedBy,
            cluster,
            planned.addition(),
            new ExpansionOptions(
                options.requireApproval(), false, 1, false, null, options.policy()),
            null,
            plan));
    return new OperationSubmitter.Submitted(
        id, cluster.name(), req.requestId(), false, null, null, plan);
  }
}
