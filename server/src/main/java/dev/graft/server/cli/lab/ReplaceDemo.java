package dev.graft.server.cli.lab;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabState;
import dev.graft.workflows.plan.EtcdMember;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * {@code graft lab demo replace}: 6 hosts, host 1 the lab's bootstrap; Graft's expansion grows the
 * cluster to 3 control planes + etcd (hosts 1-3) and a worker (host 6), hosts 4 and 5 being spare
 * control planes of the inventory. Then {@code graft replace --node host3 --with host5} replaces a
 * healthy control plane (host 5 joins first: 3 -> 4 -> 3 voters); host 2's link is cut (its host is
 * down) and {@code graft replace --node host2 --with host4 --unreachable} replaces it (its dead
 * member first, which the projection allows, then host 4 joins); {@code graft remove --node host6}
 * removes the worker. A watcher reads etcd every second throughout: voters, healthy voters, quorum.
 * The demo ends with the acceptance's checks, each printed, and exits 1 if one fails.
 */
final class ReplaceDemo {
  static final int HOSTS = 6;
  private final List<String> samples = new CopyOnWriteArrayList<>();
  private volatile int belowMajority;
  private volatile int unanswered;
  private volatile boolean watching = true;

  int run(Namespace ns, PrintStream out, Path stateDir, LabKind kind) throws Exception {
    LabDemo.Started started =
        LabDemo.start(
            ns,
            out,
            stateDir,
            8,
            String.format(
                "bringing up the lab in %s: %d hosts, host 1 an existing kubeadm cluster",
                stateDir, HOSTS),
            LabDemo.demoLab(ns, stateDir, kind, HOSTS, 5).build());
    String url = started.url();
    Lab lab = started.lab();
    LabState state = lab.state();
    List<String> names = state.hosts().stream().map(HostState::name).toList();
    Map<String, String> address = new HashMap<>();
    state.hosts().forEach(h -> address.put(h.name(), h.address()));
    String healthyOld = names.get(2);
    String healthyNew = names.get(4);
    String old = names.get(1);
    String spare = names.get(3);
    String worker = names.get(5);
    Path full = Path.of(state.inventoryIni());
    Path grow = without(full, List.of(spare, healthyNew), stateDir.resolve("demo-grow.ini"));

    out.printf(
        "[3/8] expanding %s: %s, %s (control plane + etcd), %s (worker); %s and %s stay spare control planes"
            + " of the inventory%n",
        state.clusterName(), old, healthyOld, worker, spare, healthyNew);
    out.println(
        "      = ./graft expand -i " + grow + " --kubeconfig " + state.kubeconfig() + " --watch");
    int code =
        LabDemo.cli(
            out,
            "expand",
            "-i",
            grow.toString(),
            "--kubeconfig",
            state.kubeconfig(),
            "--watch",
            "--server",
            url);
    if (code != 0) {
      return started.end(ns, out, code, "the expansion did not finish");
    }
    Map<String, String> podCidr = podCidrs(state);
    List<String> cpAddresses = names.subList(0, 5).stream().map(address::get).toList();
    List<EtcdMember> before = members(state, cpAddresses);
    out.println("[4/8] etcd voters before: " + voters(before, address));

    Thread watcher = new Thread(() -> watch(state, cpAddresses), "demo-etcd-watch");
    watcher.setDaemon(true);
    watcher.start();
    long h0 = System.nanoTime();
    Path first = without(full, List.of(spare), stateDir.resolve("demo-replace-healthy.ini"));
    out.println(
        "[5/8] replacing the healthy control plane "
            + healthyOld
            + " with "
            + healthyNew
            + ": "
            + healthyNew
            + " joins first (etcd 3 -> 4 -> 3)");
    out.println(
        "      = ./graft replace -i "
            + first
            + " --kubeconfig "
            + state.kubeconfig()
            + " --node "
            + healthyOld
            + " --with "
            + healthyNew
            + " --watch");
    code =
        LabDemo.cli(
            out,
            "replace",
            "-i",
            first.toString(),
            "--kubeconfig",
            state.kubeconfig(),
            "--node",
            healthyOld,
            "--with",
            healthyNew,
            "--request-id",
            "demo-replace-healthy",
            "--watch",
            "--server",
            url);
    double healthySeconds = (System.nanoTime() - h0) / 1e9;
    if (code != 0) {
      watching = false;
      return started.end(ns, out, code, "the replacement of " + healthyOld + " did not finish");
    }
    long r0 = System.nanoTime();
    out.println(
        "[6/8] "
            + old
            + "'s host goes down (its link is cut: lab fault cutLink); replacing it with "
            + spare
            + ": "
            + old
            + "'s dead member goes first");
    lab.faults().cutLink(old);
    Path second = without(full, List.of(healthyOld), stateDir.resolve("demo-replace-dead.ini"));
    out.println(
        "      = ./graft replace -i "
            + second
            + " --kubeconfig "
            + state.kubeconfig()
            + " --node "
            + old
            + " --with "
            + spare
            + " --unreachable --watch");
    code =
        LabDemo.cli(
            out,
            "replace",
            "-i",
            second.toString(),
            "--kubeconfig",
            state.kubeconfig(),
            "--node",
            old,
            "--with",
            spare,
            "--unreachable",
            "--request-id",
            "demo-replace-dead",
            "--watch",
            "--server",
            url);
    double replaceSeconds = (System.nanoTime() - r0) / 1e9;
    if (code != 0) {
      watching = false;
      return started.end(ns, out, code, "the replacement of " + old + " did not finish");
    }
    long w0 = System.nanoTime();
    // As the SRE does after a replacement: the inventory no longer lists the old control planes
    // (they would count as etcd nodes, which the inventory's validation counts).
    Path after0 = without(full, List.of(old, healthyOld), stateDir.resolve("demo-after.ini"));
    out.println(
        "[7/8] removing the worker "
            + worker
            + " (the inventory now without "
            + old
            + " and "
            + healthyOld
            + ")");
    out.println(
        "      = ./graft remove -i "
            + after0
            + " --kubeconfig "
            + state.kubeconfig()
            + " --node "
            + worker
            + " --watch");
    code =
        LabDemo.cli(
            out,
            "remove",
            "-i",
            after0.toString(),
            "--kubeconfig",
            state.kubeconfig(),
            "--node",
            worker,
            "--request-id",
            "demo-remove-worker",
            "--watch",
            "--server",
            url);
    double removeSeconds = (System.nanoTime() - w0) / 1e9;
    watching = false;
    watcher.join(5_000);
    if (code != 0) {
      return started.end(ns, out, code, "the worker's removal did not finish");
    }

    out.printf(
        "[8/8] replaced %s with %s in %.0f s (added first), %s (down) with %s in %.0f s (removed first),"
            + " removed %s in %.0f s; the checks:%n",
        healthyOld, healthyNew, healthySeconds, old, spare, replaceSeconds, worker, removeSeconds);
    List<String> staying = List.of(names.get(0), spare, healthyNew);
    List<EtcdMember> after = members(state, cpAddresses);
    out.println("      etcd voters after: " + voters(after, address));
    List<String> failed = new ArrayList<>();
    for (String gone : List.of(old, healthyOld)) {
      check(
          out,
          failed,
          "the old control plane " + gone + " is no etcd member",
          after.stream().noneMatch(m -> address.get(gone).equals(m.peerHost())));
    }
    for (String fresh : List.of(spare, healthyNew)) {
      EtcdMember m =
          after.stream()
              .filter(x -> address.get(fresh).equals(x.peerHost()))
              .findFirst()
              .orElse(null);
      check(
          out,
          failed,
          "the new one " + fresh + " is a healthy voter",
          m != null && m.healthy() && !m.learner());
    }
    check(
        out,
        failed,
        "etcd: " + after.size() + " members, all healthy voters",
        after.size() == 3 && after.stream().allMatch(m -> m.healthy() && !m.learner()));
    List<String> nodeNames;
    try (KubernetesClient kube =
        KubeClients.fromKubeconfig(
            Files.readString(Path.of(state.kubeconfig())), Duration.ofSeconds(10))) {
      nodeNames =
          kube.nodes().list().getItems().stream()
              .map(n -> n.getMetadata().getName())
              .sorted()
              .toList();
    }
    check(
        out,
        failed,
        "Nodes " + nodeNames + ": none of " + old + ", " + healthyOld + ", " + worker,
        !nodeNames.contains(old)
            && !nodeNames.contains(healthyOld)
            && !nodeNames.contains(worker)
            && nodeNames.containsAll(staying));
    for (String cp : staying) {
      String servers =
          lab.host(cp)
              .sh(
                  Duration.ofSeconds(20),
                  "sed -n 's/^ *- --etcd-servers=//p' /etc/kubernetes/manifests/kube-apiserver.yaml")
              .stdout()
              .strip();
      check(
          out,
          failed,
          cp
              + ": --etcd-servers="
              + servers
              + " names neither "
              + address.get(old)
              + " nor "
              + address.get(healthyOld),
          !servers.isEmpty()
              && !servers.contains(address.get(old))
              && !servers.contains(address.get(healthyOld)));
    }
    Map<String, String> cidrsNow = podCidrs(state);
    for (String n : staying) {
      String routes = lab.host(n).sh(Duration.ofSeconds(20), "ip route show proto 213").stdout();
      // A freed pod CIDR may go to the node that joins next (the replacement): the routes that
      // must be gone are those through the removed nodes' addresses.
      List<String> through = new ArrayList<>();
      for (String gone : List.of(old, healthyOld, worker)) {
        if (routes.contains("via " + address.get(gone) + " ")) {
          through.add(gone);
        }
      }
      check(
          out,
          failed,
          n
              + ": no pod route via "
              + old
              + ", "
              + healthyOld
              + " or "
              + worker
              + "; "
              + routes.strip().lines().count()
              + " route(s) left: "
              + String.join("; ", routes.strip().lines().toList()),
          through.isEmpty());
    }
    for (String gone : List.of(old, healthyOld)) {
      cidrsNow.forEach(
          (n, c) -> {
            if (c != null && c.equals(podCidr.get(gone))) {
              out.println(
                  "      note   "
                      + gone
                      + "'s pod CIDR "
                      + c
                      + " went to "
                      + n
                      + " when it joined");
            }
          });
    }
    out.printf(
        "      the watcher: %d samples (one a second), %d below majority, %d unanswered:%n",
        samples.size(), belowMajority, unanswered);
    for (int i = 0; i < samples.size(); i += 4) {
      out.println(
          "        " + String.join("   ", samples.subList(i, Math.min(samples.size(), i + 4))));
    }
    check(
        out,
        failed,
        "quorum never below majority (" + samples.size() + " samples)",
        belowMajority == 0 && !samples.isEmpty());
    code = failed.isEmpty() ? 0 : 1;
    return started.end(ns, out, code, failed.isEmpty() ? null : "failed checks: " + failed);
  }

  /** Every second until stopped: voters, healthy voters, quorum, as etcd answers. */
  private void watch(LabState state, List<String> cpAddresses) {
    long start = System.nanoTime();
    EtcdTls tls =
        new EtcdTls(
            state.bootstrap().etcdCaCert(),
            state.bootstrap().etcdClientCert(),
            state.bootstrap().etcdClientKey());
    List<String> endpoints = cpAddresses.stream().map(a -> "https://" + a + ":2379").toList();
    Client client = null;
    while (watching) {
      long t = System.nanoTime();
      String at = String.format("%3ds", (t - start) / 1_000_000_000L);
      try {
        List<EtcdMember> m;
        try {
          if (client == null) {
            client = EtcdMemberReader.client(endpoints, tls, Duration.ofMillis(800));
          }
          m = new EtcdMemberReader(client, Duration.ofMillis(800)).readMembers();
        } catch (Exception first) {
          // The client's channel may sit on a member that just went away: once more, afresh.
          if (client != null) {
            client.close();
          }
          client = EtcdMemberReader.client(endpoints, tls, Duration.ofMillis(800));
          m = new EtcdMemberReader(client, Duration.ofMillis(800)).readMembers();
        }
        long voters = m.stream().filter(x -> !x.learner()).count();
        long healthy = m.stream().filter(x -> !x.learner() && x.healthy()).count();
        long quorum = voters / 2 + 1;
        if (healthy < quorum) {
          belowMajority++;
        }
        samples.add(
            at
                + " "
                + healthy
                + "/"
                + voters
                + (m.size() > voters ? "+" + (m.size() - voters) + "L" : "")
                + (healthy < quorum ? " LOST" : " ok"));
      } catch (Exception e) {
        unanswered++;
        samples.add(at + " no answer");
        if (client != null) {
          client.close();
          client = null;
        }
      }
      long wait = 1_000 - (System.nanoTime() - t) / 1_000_000;
      if (wait > 0) {
        try {
          Thread.sleep(wait);
        } catch (InterruptedException e) {
          break;
        }
      }
    }
    if (client != null) {
      client.close();
    }
  }

  private static List<EtcdMember> members(LabState state, List<String> cpAddresses)
      throws Exception {
    EtcdTls tls =
        new EtcdTls(
            state.bootstrap().etcdCaCert(),
            state.bootstrap().etcdClientCert(),
            state.bootstrap().etcdClientKey());
    try (Client c =
        EtcdMemberReader.client(
            cpAddresses.stream().map(a -> "https://" + a + ":2379").toList(),
            tls,
            Duration.ofSeconds(5))) {
      return new EtcdMemberReader(c, Duration.ofSeconds(5)).readMembers();
    }
  }

  private static String voters(List<EtcdMember> members, Map<String, String> address) {
    List<String> out = new ArrayList<>();
    for (EtcdMember m : members) {
      String host =
          address.entrySet().stream()
              .filter(e -> e.getValue().equals(m.peerHost()))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(m.peerHost());
      out.add(
          host
              + " "
              + m.id()
              + (m.learner() ? " learner" : "")
              + (m.healthy() ? " healthy" : " UNHEALTHY"));
    }
    return members.size() + " " + out;
  }

  private static Map<String, String> podCidrs(LabState state) throws Exception {
    Map<String, String> out = new HashMap<>();
    try (KubernetesClient kube =
        KubeClients.fromKubeconfig(
            Files.readString(Path.of(state.kubeconfig())), Duration.ofSeconds(10))) {
      for (Node n : kube.nodes().list().getItems()) {
        out.put(n.getMetadata().getName(), n.getSpec().getPodCIDR());
      }
    }
    return out;
  }

  private static void check(PrintStream out, List<String> failed, String what, boolean ok) {
    out.println("      " + (ok ? "ok    " : "FAILED") + " " + what);
    if (!ok) {
      failed.add(what);
    }
  }

  /**
   * The lab's kubespray INI without {@code host}: the spare control plane joins only by the
   * replacement; the replaced one is dropped afterwards.
   */
  static Path without(Path ini, List<String> hosts, Path target) throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add("# `graft lab demo replace`: the lab's inventory.ini without " + hosts);
    for (String line : Files.readAllLines(ini)) {
      if (hosts.stream().noneMatch(h -> line.equals(h) || line.startsWith(h + " "))) {
        lines.add(line);
      }
    }
    return Files.write(target, lines);
  }
}
