package dev.graft.workflows.plan;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Computes an {@link ExpansionPlan} from the desired inventory and the observed cluster. Pure and
 * deterministic: the same inputs give the same plan, so a workflow may call it.
 *
 * <p>Graft only adds. Nodes the inventory lacks and existing nodes whose roles differ are reported,
 * never removed or changed: shrinking and re-roling are separate operations with their own safety
 * checks.
 */
public final class Planner {
  private Planner() {}

  public static ExpansionPlan plan(
      ClusterSpec desired, ObservedCluster observed, PlanOptions options) {
    return new Run(desired, observed, options).plan();
  }

  /** One planning run; holds the findings while the phases are built. */
  private static final class Run {
    private final ClusterSpec desired;
    private final ObservedCluster observed;
    private final PlanOptions options;
    private final List<PlanMessage> warnings = new ArrayList<>();
    private final List<PlanMessage> refusals = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, ObservedNode> observedByName = new LinkedHashMap<>();

    Run(ClusterSpec desired, ObservedCluster observed, PlanOptions options) {
      this.desired = desired;
      this.observed = observed == null ? ObservedCluster.EMPTY : observed;
      this.options = options == null ? PlanOptions.DEFAULTS : options;
      for (ObservedNode n : this.observed.nodes()) {
        observedByName.put(n.name(), n);
      }
    }

    ExpansionPlan plan() {
      Set<String> desiredNames =
          desired.nodes().stream().map(NodeSpec::name).collect(Collectors.toSet());
      List<NodeSpec> existing = new ArrayList<>();
      List<NodeSpec> added = new ArrayList<>();
      for (NodeSpec n : desired.nodes()) {
        (observedByName.containsKey(n.name()) ? existing : added).add(n);
      }
      List<String> existingNames = new ArrayList<>(existing.stream().map(NodeSpec::name).toList());
      for (ObservedNode o : observed.nodes()) {
        if (!desiredNames.contains(o.name())) {
          existingNames.add(o.name());
          warn(
              "node-not-in-inventory",
              o.name(),
              "registered in the cluster but absent from the inventory; Graft never removes"
                  + " nodes, it stays as it is");
        }
      }
      existing.forEach(this::compareRoles);
      reportStrayEtcdMembers();
      checkShape(added);

      EtcdState etcd = checkEtcd(added);
      Map<String, String> podCidrs =
          new PodCidrs(desired, observed, warnings, refusals).assign(added);

      List<NodeSpec> controlPlane = orderControlPlane(added);
      List<NodeSpec> workers = added.stream().filter(n -> !controlPlane.contains(n)).toList();
      List<NodeAddition> additions = new ArrayList<>();
      for (NodeSpec n : concat(controlPlane, workers)) {
        additions.add(
            new NodeAddition(
                n.name(), n.address(), n.roles(), podCidrs.get(n.name()), n.podCidr() == null));
      }

      List<Phase> phases = new ArrayList<>();
      if (added.isEmpty()) {
        notes.add("Every inventory node is already in the cluster: nothing to add.");
      } else {
        phases.add(PlanPhases.prechecks(added, podCidrs));
        if (!controlPlane.isEmpty()) {
          phases.add(
              PlanPhases.controlPlane(
                  controlPlane, etcd.members, etcd.healthy, desired.etcd().topology()));
        }
        if (!workers.isEmpty()) {
          phases.add(PlanPhases.workers(workers, options.maxParallel()));
        }
        phases.add(PlanPhases.routing(routedNodes(podCidrs)));
        phases.add(
            PlanPhases.verification(
                existingNames.size() + added.size(), etcd.members + etcd.added));
      }
      for (PlanStep s : phases.stream().flatMap(p -> p.steps().stream()).toList()) {
        if (s.quorum() != null && s.quorum().warning() != null) {
          warn("etcd-quorum-at-risk", s.node(), s.quorum().warning());
        }
      }
      return new ExpansionPlan(
          desired.name(),
          existingNames,
          additions,
          phases,
          etcd.members,
          etcd.members + etcd.added,
          warnings,
          refusals,
          notes);
    }

    /** Compares roles of a node that exists; differences are reported, never applied. */
    private void compareRoles(NodeSpec n) {
      ObservedNode o = observedByName.get(n.name());
      EnumSet<Role> actual = EnumSet.noneOf(Role.class);
      actual.addAll(o.roles());
      if (memberFor(n.name(), o.address(), n.routeAddress()) != null) {
        actual.add(Role.ETCD);
      }
      EnumSet<Role> wanted = EnumSet.noneOf(Role.class);
      wanted.addAll(n.roles());
      if (!actual.equals(wanted)) {
        warn(
            "roles-differ",
            n.name(),
            "the inventory says "
                + roles(wanted)
                + " but the cluster has "
                + roles(actual)
                + "; existing nodes are not changed by an expansion");
      }
      if (n.podCidr() != null && o.podCidr() != null && !n.podCidr().equals(o.podCidr())) {
        warn(
            "pod-cidr-differs",
            n.name(),
            "the inventory says pod CIDR "
                + n.podCidr()
                + " but the node has "
                + o.podCidr()
                + "; the node's own is kept");
      }
    }

    private void reportStrayEtcdMembers() {
      for (EtcdMember m : observed.etcdMembers()) {
        boolean known =
            desired.nodes().stream()
                    .anyMatch(
                        n -> matches(m, n.name(), observedAddress(n.name()), n.routeAddress()))
                || observed.nodes().stream().anyMatch(o -> matches(m, o.name(), o.address(), null));
        if (!known) {
          warn(
              "etcd-member-not-in-inventory",
              displayName(m),
              "etcd member (peer "
                  + m.peerUrl()
                  + ") matches no node of the inventory; it is"
                  + " counted in every quorum projection and never removed");
        }
      }
    }

    /** Refusals about the shape of the desired cluster that make any plan unsafe. */
    private void checkShape(List<NodeSpec> added) {
      boolean anyControlPlane =
          desired.nodes().stream().anyMatch(n -> n.hasRole(Role.CONTROL_PLANE))
              || observed.nodes().stream().anyMatch(n -> n.roles().contains(Role.CONTROL_PLANE));
      if (!anyControlPlane) {
        refuse(
            "no-control-plane",
            null,
            "neither the inventory nor the cluster has a" + " control-plane node");
      }
      if (observed.nodes().isEmpty() && !added.isEmpty()) {
        refuse(
            "no-existing-cluster",
            null,
            "the cluster has no registered node; Graft grows an"
                + " existing cluster and does not bootstrap one (plan with --assume-empty to take the"
                + " first control-plane node as the bootstrapped one)");
      }
      for (NodeSpec n : added) {
        if (n.roles().isEmpty()) {
          refuse(
              "node-without-role",
              n.name(),
              "has no role; give it worker, control-plane," + " etcd or infra");
        }
        if (desired.etcd().topology() == EtcdTopology.STACKED
            && n.hasRole(Role.CONTROL_PLANE) != n.hasRole(Role.ETCD)) {
          refuse(
              "stacked-etcd-mismatch",
              n.name(),
              "with stacked etcd every control-plane node"
                  + " runs an etcd member and every member is a control-plane node; give it both"
                  + " roles or neither (or use etcd.topology: external)");
        }
      }
    }

    private EtcdState checkEtcd(List<NodeSpec> added) {
      List<EtcdMember> members = observed.etcdMembers();
      int newMembers = (int) added.stream().filter(n -> n.hasRole(Role.ETCD)).count();
      int healthy = (int) members.stream().filter(m -> m.healthy() && !m.learner()).count();
      boolean changes = newMembers > 0;
      if (changes) {
        if (members.isEmpty() && !observed.nodes().isEmpty()) {
          refuse(
              "etcd-membership-unknown",
              null,
              "the plan adds etcd members but the observed"
                  + " state lists none; without the member list no quorum can be projected");
        }
        for (EtcdMember m : members) {
          if (m.learner()) {
            refuse(
                "etcd-learner-present",
                displayName(m),
                "is a learner; finish or remove it"
                    + " before Graft changes membership (one membership change at a time): graft remove"
                    + " --clean-orphans removes it by id once an operator approves");
          } else if (!m.healthy()) {
            refuse(
                "etcd-member-unhealthy",
                displayName(m),
                "is unhealthy; Graft does not"
                    + " change etcd membership while a member is unhealthy");
          }
        }
      }
      int after = members.size() + newMembers;
      if (after > 0 && after % 2 == 0) {
        String text =
            "etcd would end with "
                + after
                + " members: an even count tolerates no"
                + " more failures than "
                + (after - 1)
                + " and splits votes more easily";
        if (!changes) {
          warn(
              "etcd-even-count",
              null,
              "etcd has " + after + " members today (even); this plan" + " does not change it");
        } else if (desired.overrides().allowEvenEtcd()) {
          warn("etcd-even-target", null, text + " (accepted by overrides.allowEvenEtcd)");
        } else {
          refuse(
              "etcd-even-target",
              null,
              text
                  + "; add or drop one etcd node, or set"
                  + " overrides.allowEvenEtcd: true to accept it");
        }
      }
      return new EtcdState(members.size(), healthy, newMembers);
    }

    /** etcd-bearing nodes first, so new API servers can be pointed at the full member list. */
    private List<NodeSpec> orderControlPlane(List<NodeSpec> added) {
      List<NodeSpec> withEtcd = added.stream().filter(n -> n.hasRole(Role.ETCD)).toList();
      List<NodeSpec> cpOnly =
          added.stream()
              .filter(n -> n.hasRole(Role.CONTROL_PLANE) && !n.hasRole(Role.ETCD))
              .toList();
      return concat(withEtcd, cpOnly);
    }

    /** Every node once the plan has run, with the address and pod CIDR its routes use. */
    private List<PlanPhases.Routed> routedNodes(Map<String, String> podCidrs) {
      List<PlanPhases.Routed> all = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (NodeSpec n : desired.nodes()) {
        ObservedNode o = observedByName.get(n.name());
        String cidr =
            o != null ? (o.podCidr() != null ? o.podCidr() : null) : podCidrs.get(n.name());
        if (o != null && o.podCidr() == null) {
          warn(
              "existing-node-without-pod-cidr",
              n.name(),
              "has no pod CIDR in the cluster;" + " no route to it can be installed");
        }
        all.add(new PlanPhases.Routed(n.name(), n.routeAddress(), cidr));
        seen.add(n.name());
      }
      for (ObservedNode o : observed.nodes()) {
        if (!seen.contains(o.name())) {
          all.add(new PlanPhases.Routed(o.name(), o.address(), o.podCidr()));
        }
      }
      return all;
    }

    private String observedAddress(String name) {
      ObservedNode o = observedByName.get(name);
      return o == null ? null : o.address();
    }

    private EtcdMember memberFor(String name, String a1, String a2) {
      return observed.etcdMembers().stream()
          .filter(m -> matches(m, name, a1, a2))
          .findFirst()
          .orElse(null);
    }

    /** A member belongs to a node by name (kubeadm) or by peer address (kubespray's etcd1..n). */
    private static boolean matches(EtcdMember m, String name, String a1, String a2) {
      if (name.equals(m.name())) {
        return true;
      }
      String host = m.peerHost();
      return host != null && (host.equals(a1) || host.equals(a2));
    }

    private static String displayName(EtcdMember m) {
      return m.name() == null || m.name().isEmpty()
          ? "(unstarted member " + m.id() + ")"
          : m.name();
    }

    private static String roles(Set<Role> roles) {
      return roles.isEmpty()
          ? "no role"
          : roles.stream().map(Role::wireName).collect(Collectors.joining(" + "));
    }

    private void warn(String code, String node, String message) {
      warnings.add(new PlanMessage(code, node, message));
    }

    private void refuse(String code, String node, String message) {
      refusals.add(new PlanMessage(code, node, message));
    }
  }

  private record EtcdState(int members, int healthy, int added) {}

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
