package dev.graft.workflows.upgrade;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.PodNetwork;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Clusters for upgrade tests: {@code cp} control-plane + etcd nodes, then {@code workers} workers.
 */
final class UpgradeFixtures {
  private UpgradeFixtures() {}

  static final SshSpec SSH =
      new SshSpec("graft", 22, "/etc/graft/keys/id_ed25519", true, null, "/etc/graft/known_hosts");

  /** The same cluster with its etcd client URLs known, so the upgrade checks etcd's health. */
  static ClusterSpec clusterWithEtcd(int cp, int workers) {
    ClusterSpec c = cluster(cp, workers);
    List<String> endpoints =
        c.nodes().subList(0, cp).stream().map(n -> "https://" + n.address() + ":2379").toList();
    return new ClusterSpec(
        c.name(),
        c.apiEndpoint(),
        c.kubeconfig(),
        c.kubernetesVersion(),
        c.podNetwork(),
        c.serviceCidr(),
        new EtcdSpec(EtcdTopology.STACKED, endpoints, null, null, null),
        c.ssh(),
        c.nodes(),
        null);
  }

  static ClusterSpec cluster(int cp, int workers) {
    List<NodeSpec> nodes = new ArrayList<>();
    for (int i = 1; i <= cp + workers; i++) {
      List<Role> roles = i <= cp ? List.of(Role.CONTROL_PLANE, Role.ETCD) : List.of(Role.WORKER);
      nodes.add(
          new NodeSpec("node" + i, "10.0.0." + (10 + i), null, roles, null, null, null, null));
    }
    return new ClusterSpec(
        "prod",
        "https://10.0.0.11:6443",
        "/etc/graft/prod.conf",
        "v1.30.2",
        new PodNetwork("10.244.0.0/16", 24),
        "10.96.0.0/12",
        new EtcdSpec(EtcdTopology.STACKED, List.of(), null, null, null),
        SSH,
        nodes,
        null);
  }

  /** Every node of the cluster as the API reports it: at {@code version}, Ready. */
  static List<UpgradeInput.ObservedVersion> observed(ClusterSpec c, String version) {
    return c.nodes().stream()
        .map(n -> new UpgradeInput.ObservedVersion(n.name(), version, true))
        .toList();
  }

  static UpgradeInput input(ClusterSpec c, String from, String to, String maxUnavailable) {
    return new UpgradeInput(c, from, observed(c, from), to, maxUnavailable, Duration.ofMinutes(5));
  }
}
