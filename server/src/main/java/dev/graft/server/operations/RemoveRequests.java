package dev.graft.server.operations;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.NodeObjects;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.security.ServerFiles;
import dev.graft.workflows.expand.ExpansionOptions;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.join.ExecutionPolicy;
import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.remove.RemovalInput;
import dev.graft.workflows.remove.RemovalPlan;
import dev.graft.workflows.remove.RemovalPlanner;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A removal ({@code kind: "remove"}) from a request: its {@code remove} section checked (a 400
 * naming the field: a node name such as {@code a;rm -rf /} never goes further), the inventory
 * imported and filled from the cluster as an expansion's, the cluster read through the
 * kubeconfig (Nodes with their readiness, etcd's members with their health, and the leader), the
 * {@link RemovalPlanner} asked (a refused plan is a 422 with its refusals and projection), and only
 * then the operation signalled to the cluster workflow.
 */
public final class RemoveRequests {
  public static final String KIND = "remove";
  static final int MAX_NODES = 50;
  private static final Pattern DURATION = Pattern.compile("^(\\d{1,6})\\s*(ms|s|m|min|h)?$");

  private final ExistingCluster existing;
  private final InventoryValidator validator;
  private final ServerFiles files;
  private final ExecutionPolicy policy;
  private final boolean checkFiles;
  private final Duration timeout = Duration.ofSeconds(10);

  public RemoveRequests(ExistingCluster existing, InventoryValidator validator, ServerFiles files,
      ExecutionPolicy policy, boolean checkFiles) {
    this.existing = existing;
    this.validator = validator;
    this.files = files;
    this.policy = policy;
    this.checkFiles = checkFiles;
  }

  /** The remove section, checked. */
  public record Target(List<String> nodes, boolean unreachable, Duration drainTimeout, boolean cleanOrphans,
      boolean acceptNoFaultTolerance) {}

  /** The inventory as planned and the plan. */
  public record Planned(ImportedInventory inventory, RemovalPlan plan) {}

  public static Target target(ExpandRequest.Remove r) {
    if (r == null) {
      throw ApiProblem.field("remove", "is required for kind \"remove\": {\"nodes\": [\"k8s-node4\"]}");
    }
    if (r.nodes() == null || r.nodes().isEmpty()) {
      throw ApiProblem.field("remove.nodes", "is required: the names of the nodes to remove");
    }
    if (r.nodes().size() > MAX_NODES) {
      throw ApiProblem.field("remove.nodes", "names " + r.nodes().size() + " nodes; at most " + MAX_NODES
          + " per operation");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < r.nodes().size(); i++) {
      String n = r.nodes().get(i);
      if (n == null || n.length() > 253 || !RemovalPlanner.NODE_NAME.matcher(n).matches()) {
        throw ApiProblem.field("remove.nodes[" + i + "]", "is not a node name (lower-case letters, digits,"
            + " '-' and '.', as Kubernetes names nodes)");
      }
      if (names.contains(n)) {
        throw ApiProblem.field("remove.nodes[" + i + "]", "\"" + n + "\" is named twice");
      }
      names.add(n);
    }
    return new Target(List.copyOf(names), Boolean.TRUE.equals(r.unreachable()), drainTimeout(r.drainTimeout()),
        Boolean.TRUE.equals(r.cleanOrphans()), Boolean.TRUE.equals(r.acceptNoFaultTolerance()));
  }

  static Duration drainTimeout(String d) {
    if (d == null || d.isBlank()) {
      return UpgradeRequests.DEFAULT_DRAIN;
    }
    Matcher m = DURATION.matcher(d.trim().toLowerCase(Locale.ROOT));
    Duration out = null;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      out = switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m", "min" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofSeconds(n);
      };
    }
    if (out == null || out.compareTo(UpgradeRequests.MIN_DRAIN) < 0 || out.compareTo(UpgradeRequests.MAX_DRAIN) > 0) {
      throw ApiProblem.field("remove.drainTimeout", "\"" + d
          + "\" is not a duration between 10s and 24h (e.g. 90s, 5m, 1h)");
    }
    return out;
  }

  /** Checks the request and plans it against the cluster its kubeconfig names. Changes nothing. */
  public Planned plan(ExpandRequest req) {
    Target target = target(req.remove());
    if (req.kubeconfig() == null || req.kubeconfig().isBlank()) {
      throw ApiProblem.field("kubeconfig", "is required for a removal: the Nodes and etcd members are read through it");
    }
    String content = files.read("kubeconfig", req.kubeconfig());
    ImportedInventory inv = OperationSubmitter.importInventory(req.inventory(), files);
    inv = OperationSubmitter.applySsh(inv, req.ssh(), req.knownHosts(), checkFiles ? files : null);
    ExistingCluster.Read read = existing.read(inv, req.kubeconfig(), content);
    validator.validate(read.inventory());
    ClusterSpec c = read.inventory().cluster();
    List<String> ready = readyNodes(content);
    String leader = leader(c, read.observed().etcdMembers());
    RemovalPlan plan = RemovalPlanner.plan(new RemovalInput(c, target.nodes(), target.unreachable(),
        read.observed().nodes(), ready, read.observed().etcdMembers(), leader, target.drainTimeout(),
        target.cleanOrphans(), target.acceptNoFaultTolerance()));
    return new Planned(read.inventory(), plan);
  }

  OperationSubmitter.Submitted submit(ExpandRequest req, String requestedBy,
      BiConsumer<String, OperationRequest> signal, BiPredicate<String, String> exists) {
    if (req.requestId() == null || !OperationSubmitter.REQUEST_ID.matcher(req.requestId()).matches()) {
      throw ApiProblem.field("requestId", req.requestId() == null ? "is required (the idempotency key)"
          : "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (req.upgrade() != null) {
      throw ApiProblem.field("upgrade", "belongs to kind \"upgrade\", not \"remove\"");
    }
    ExpansionOptions options = OperationSubmitter.upgradeOptions(req.options(), policy);
    Planned planned = plan(req);
    RemovalPlan plan = planned.plan();
    if (plan.refused()) {
      throw ApiProblem.of(422, "the removal is refused: " + plan.refusals().get(0)
          + (plan.refusals().size() > 1 ? " (and " + (plan.refusals().size() - 1) + " more)" : "")
          + "; nothing was started", List.of(), Map.of("refusals", plan.refusals(), "removal", plan));
    }
    ClusterSpec cluster = planned.inventory().cluster();
    String id = OperationRequest.operationId(cluster.name(), KIND, req.requestId());
    if (exists.test(cluster.name(), id)) {
      return new OperationSubmitter.Submitted(id, cluster.name(), req.requestId(), true, null, null, plan);
    }
    signal.accept(cluster.name(), new OperationRequest(KIND, req.requestId(), requestedBy, cluster, null,
        new ExpansionOptions(options.requireApproval(), false, 1, false, null, options.policy()), null, plan));
    return new OperationSubmitter.Submitted(id, cluster.name(), req.requestId(), false, null, null, plan);
  }

  /** The names of the Nodes whose Ready condition is True. */
  private List<String> readyNodes(String kubeconfig) {
    try (KubernetesClient kube = KubeClients.fromKubeconfig(kubeconfig, timeout)) {
      return kube.nodes().list().getItems().stream().filter(n -> "Ready".equals(NodeObjects.readiness(n)))
          .map(n -> n.getMetadata().getName()).toList();
    } catch (RuntimeException e) {
      throw ApiProblem.of(422, "cannot read the Nodes through the kubeconfig: " + e.getMessage());
    }
  }

  /** The leader most answering members see (hex), or null when none answers. */
  private String leader(ClusterSpec c, List<EtcdMember> members) {
    if (c.etcdEndpoints().isEmpty()) {
      return null;
    }
    EtcdTls tls = c.etcdEndpoints().stream().allMatch(e -> e.startsWith("http://")) ? EtcdTls.NONE
        : new EtcdTls(c.etcd().caCert(), c.etcd().clientCert(), c.etcd().clientKey());
    Map<String, Integer> votes = new HashMap<>();
    try (Client etcd = EtcdMemberReader.client(c.etcdEndpoints(), tls, timeout)) {
      for (EtcdMember m : members) {
        String url = m.peerHost() == null || m.learner() || m.name() == null || m.name().isEmpty() ? null
            : (m.peerUrl().startsWith("http://") ? "http://" : "https://") + m.peerHost() + ":2379";
        if (url == null || !m.healthy()) {
          continue;
        }
        try {
          long l = etcd.getMaintenanceClient().statusMember(url).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getLeader();
          if (l != 0) {
            votes.merge(Long.toHexString(l), 1, Integer::sum);
          }
        } catch (Exception e) {
          // this member did not answer: the others decide
        }
      }
    } catch (Exception e) {
      return null;
    }
    return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
  }
}
