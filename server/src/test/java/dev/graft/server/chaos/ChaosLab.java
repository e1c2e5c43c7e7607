package dev.graft.server.chaos;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.lab.Mutation;
import dev.graft.lab.RolePlan;
import dev.graft.workflows.plan.EtcdMember;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One round's cluster: a fresh netns lab of 4 hosts whose host 1 is an existing kubeadm cluster
 * (control plane + stacked etcd), and an inventory that adds hosts 2-3 as control planes with etcd
 * (1 → 3 voters, the smallest odd growth) and host 4 as a worker. That is one join of each role at
 * the price of ~6 s of lab bring-up, far cheaper than resetting a cluster after an expansion
 * (kubeadm reset, etcd member removal, Node deletion: all of which could fail in their own ways and
 * blur what a round measures).
 */
final class ChaosLab implements AutoCloseable {
  static final int HOSTS = 4;

  /** Commands whose invocations the lab records on every host; only mutating ones are compared. */
  static final List<String> RECORDED = List.of("kubeadm", "sysctl", "modprobe", "swapoff");

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  final Lab lab;
  final LabState state;
  private final Path dir;

  private ChaosLab(Lab lab, Path dir) {
    this.lab = lab;
    this.state = lab.state();
    this.dir = dir;
  }

  static ChaosLab up(Path parent, String cluster) throws Exception {
    Path dir = parent.resolve(cluster);
    Lab lab =
        Lab.up(
            LabSpec.builder()
                .nodes(HOSTS)
                .kind(LabKind.NETNS)
                .stateDir(dir)
                .clusterName(cluster)
                .roles(new RolePlan(3, 3, false))
                .bootstrap(true)
                .build());
    try {
      for (HostState h : lab.state().hosts()) {
        for (String command : RECORDED) {
          lab.faults().recordInvocations(h.name(), command);
        }
      }
      return new ChaosLab(lab, dir);
    } catch (Exception | Error e) {
      lab.close();
      throw e;
    }
  }

  List<String> names() {
    return state.hosts().stream().map(HostState::name).toList();
  }

  /** The hosts the expansion adds. */
  List<String> joining() {
    return names().subList(1, HOSTS);
  }

  List<String> controlPlanes() {
    return names().subList(1, 3);
  }

  List<String> workers() {
    return names().subList(3, HOSTS);
  }

  /** A mutating invocation (command + arguments) that ran {@code times} > 1 on a host. */
  record Repeat(String host, String invocation, int times) {}

  /** Mutating commands that ran more than once; reads (sysctl -n, kubeadm version) may repeat. */
  List<Repeat> repeats() {
    List<Repeat> out = new ArrayList<>();
    for (HostState h : state.hosts()) {
      Map<String, Integer> seen = new HashMap<>();
      for (Mutation m : lab.host(h.name()).mutations()) {
        if (mutating(m)) {
          seen.merge(m.command() + " " + m.args(), 1, Integer::sum);
        }
      }
      seen.forEach(
          (invocation, n) -> {
            if (n > 1) {
              out.add(new Repeat(h.name(), invocation, n));
            }
          });
    }
    return out;
  }

  static boolean mutating(Mutation m) {
    return switch (m.command()) {
      case "sysctl" -> m.args().contains("=") && !m.args().startsWith("-n");
      case "kubeadm" -> !m.args().startsWith("version");
      default -> true;
    };
  }

  /**
   * What the cluster itself says after the round, not what Graft reports: every Node Ready, and
   * three etcd members, each a healthy voter. Returns the problems (empty when expanded).
   */
  List<String> problems() {
    List<String> out = new ArrayList<>();
    try (KubernetesClient kube =
        KubeClients.fromKubeconfig(Files.readString(Path.of(state.kubeconfig())), TIMEOUT)) {
      List<Node> nodes = kube.nodes().list().getItems();
      List<String> seen = nodes.stream().map(n -> n.getMetadata().getName()).sorted().toList();
      if (!seen.equals(names())) {
        out.add("Nodes " + seen + ", expected " + names());
      }
      for (Node n : nodes) {
        boolean ready =
            n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        if (!ready) {
          out.add(n.getMetadata().getName() + " is not Ready");
        }
      }
    } catch (Exception e) {
      out.add("cannot read the Nodes: " + e);
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
      if (members.size() != 3 || members.stream().anyMatch(m -> m.learner() || !m.healthy())) {
        out.add("etcd members: " + members);
      }
    } catch (Exception e) {
      out.add("cannot read the etcd members: " + e);
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    try {
      lab.close();
    } finally {
      ChaosHarness.delete(dir);
    }
  }
}
