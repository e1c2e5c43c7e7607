package dev.graft.server.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.lab.RolePlan;
import dev.graft.server.cli.lab.LabDemo;
import dev.graft.server.testing.Prereqs;
import dev.graft.workflows.plan.EtcdMember;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The demo's cluster for end-to-end tests: a netns lab of 6 hosts whose host 1 is an existing
 * kubeadm cluster (real OpenSSH, etcd, routes; the API, kubeadm and kubelet are the lab's
 * stand-ins), the demo's inventory (hosts 2-3 control plane + etcd, host 4 an infra worker, hosts
 * 5-6 workers), and the checks of what an expansion must leave behind, read from the cluster
 * itself, not from Graft.
 */
final class LabCluster implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  final Path work;
  final Lab lab;
  final LabState state;
  final Path inventory;

  private LabCluster(Path work, Lab lab, Path inventory) {
    this.work = work;
    this.lab = lab;
    this.state = lab.state();
    this.inventory = inventory;
  }

  static LabCluster up(String prefix) throws Exception {
    Prereqs.requireRoot("lab hosts are network namespaces");
    Prereqs.require("OpenSSH server", Path.of("/usr/sbin/sshd"));
    Prereqs.require("etcd", Path.of("/usr/bin/etcd"));
    Path work = Files.createTempDirectory(prefix);
    Lab lab = null;
    try {
      lab =
          Lab.up(
              LabSpec.builder()
                  .nodes(LabDemo.HOSTS)
                  .kind(LabKind.NETNS)
                  .stateDir(work.resolve("lab"))
                  .roles(new RolePlan(3, 3, false))
                  .bootstrap(true)
                  .build());
      Path inventory = LabDemo.writeInventory(lab.state(), work.resolve("inventory.ini"));
      return new LabCluster(work, lab, inventory);
    } catch (Exception | Error e) {
      if (lab != null) {
        lab.close();
      }
      delete(work);
      throw e;
    }
  }

  List<String> names() {
    return state.hosts().stream().map(HostState::name).toList();
  }

  /**
   * What the expansion must have made: 6 Nodes Ready, the infra worker labelled and tainted by
   * Graft, 3 etcd voters (no learner, each healthy), and on every host a route (proto 213) to the
   * pod CIDR of every other host that has one.
   */
  void assertExpanded() throws Exception {
    Map<String, String> podCidrs = new java.util.LinkedHashMap<>();
    try (KubernetesClient kube =
        KubeClients.fromKubeconfig(Files.readString(Path.of(state.kubeconfig())), TIMEOUT)) {
      List<Node> nodes = kube.nodes().list().getItems();
      assertEquals(names(), nodes.stream().map(n -> n.getMetadata().getName()).sorted().toList());
      for (Node n : nodes) {
        boolean ready =
            n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        assertTrue(ready, n.getMetadata().getName() + " is Ready");
        if (n.getSpec().getPodCIDR() != null) {
          podCidrs.put(n.getMetadata().getName(), n.getSpec().getPodCIDR());
        }
      }
      Node infra = kube.nodes().withName(names().get(3)).get();
      assertEquals("", infra.getMetadata().getLabels().get("node-role.kubernetes.io/infra"));
      assertEquals("infra", infra.getMetadata().getLabels().get("graft.dev/pool"));
      assertTrue(
          infra.getSpec().getTaints().stream()
              .anyMatch(
                  t ->
                      "node-role.kubernetes.io/infra".equals(t.getKey())
                          && "NoSchedule".equals(t.getEffect())),
          String.valueOf(infra.getSpec().getTaints()));
      for (String cp : names().subList(1, 3)) {
        assertTrue(
            kube.nodes()
                .withName(cp)
                .get()
                .getMetadata()
                .getLabels()
                .containsKey("node-role.kubernetes.io/control-plane"),
            cp + " is a control plane");
      }
    }
    for (String n : names().subList(1, LabDemo.HOSTS)) {
      assertTrue(podCidrs.containsKey(n), n + " has a pod CIDR");
    }

    List<String> endpoints =
        state.hosts().subList(0, 3).stream().map(h -> "https://" + h.address() + ":2379").toList();
    EtcdTls tls =
        new EtcdTls(
            state.bootstrap().etcdCaCert(),
            state.bootstrap().etcdClientCert(),
            state.bootstrap().etcdClientKey());
    try (Client etcd = EtcdMemberReader.client(endpoints, tls, TIMEOUT)) {
      List<EtcdMember> members = new EtcdMemberReader(etcd, TIMEOUT).readMembers();
      assertEquals(
          names().subList(0, 3),
          members.stream().map(EtcdMember::name).sorted().toList(),
          members.toString());
      for (EtcdMember m : members) {
        assertFalse(m.learner(), m + " is a voter");
        assertTrue(m.healthy(), m + " is healthy");
      }
    }

    for (HostState h : state.hosts()) {
      String routes = lab.host(h.name()).sh(TIMEOUT, "ip route show proto 213").stdout();
      for (Map.Entry<String, String> other : podCidrs.entrySet()) {
        if (!other.getKey().equals(h.name())) {
          assertTrue(
              routes.contains(other.getValue()),
              h.name() + " routes " + other.getValue() + " (" + other.getKey() + "):\n" + routes);
        }
      }
    }
  }

  /** Every recorded invocation of {@code command} on every host, as "host: args". */
  List<String> mutations(String command) {
    List<String> out = new ArrayList<>();
    for (HostState h : state.hosts()) {
      lab.host(h.name()).mutations(command).forEach(m -> out.add(h.name() + ": " + m.args()));
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    try {
      lab.close();
    } finally {
      delete(work);
    }
  }

  static void delete(Path dir) throws Exception {
    if (dir != null && Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
