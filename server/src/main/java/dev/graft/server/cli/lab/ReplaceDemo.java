package dev.graft.server.cli.lab;

import dev.graft.activities.etcd.EtcdMemberReader;
import dev.graft.activities.etcd.EtcdTls;
import dev.graft.activities.kube.KubeClients;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.lab.RolePlan;
import dev.graft.server.GraftApplication;
import dev.graft.server.cli.ops.CliExit;
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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * {@code graft lab demo replace}: 5 hosts, host 1 the lab's bootstrap; Graft's expansion grows the
 * cluster to 3 control planes + etcd (hosts 1-3) and a worker (host 5), host 4 being a spare
 * control plane of the inventory. Then host 2's link is cut (its host is down) and {@code graft
 * replace --node host2 --with host4 --unreachable} replaces it in one operation (host 2's dead
 * member first, which the projection allows, then host 4 joins), and {@code graft remove --node
 * host5} removes the worker. A watcher reads etcd every second throughout: voters, healthy voters,
 * quorum. The demo ends with the acceptance's checks, each printed, and exits 1 if one fails.
 */
final class ReplaceDemo {
  static final int HOSTS = 5;
  private final List<String> samples = new CopyOnWriteArrayList<>();
  private volatile int belowMajority;
  private volatile int unanswered;
  private volatile boolean watching = true;

  int run(Namespace ns, PrintStream out, Path stateDir, LabKind kind) throws Exception {
    int port = LabDemo.envPort("GRAFT_HTTP_PORT", 8080);
    String url = "http://127.0.0.1:" + port;
    Path log = Path.of(System.getenv().getOrDefault("GRAFT_DEMO_LOG", "/tmp/graft-demo.log"));
    long t0 = System.nanoTime();
    out.println("[1/7] starting Graft: embedded Temporal, worker and server on " + url + " (log: " + log + ")");
    if (LabDemo.startGraft(out, stateDir).isPresent()) {
      throw new CliExit(1);
    }
    out.printf("[2/7] bringing up the lab in %s: %d hosts, host 1 an existing kubeadm cluster%n", stateDir, HOSTS);
    Lab lab = Lab.up(LabSpec.builder().nodes(HOSTS).kind(kind).stateDir(stateDir)
        .roles(new RolePlan(4, 4, false)).slot(ns.getInt("slot")).bootstrap(true).build());
    // A bootstrapped lab's API stand-in lives in this JVM, so --keep keeps the lab while it runs:
    // the demo then waits for Ctrl-C even with --exit (`./graft lab exec` and friends work meanwhile).
    boolean keep = Boolean.TRUE.equals(ns.getBoolean("keep"));
    LabState state = lab.state();
    List<String> names = state.hosts().stream().map(HostState::name).toList();
    Map<String, String> address = new HashMap<>();
    state.hosts().forEach(h -> address.put(h.name(), h.address()));
    String old = names.get(1);
    String spare = names.get(3);
    String worker = names.get(4);
    String full = state.inventoryIni();
    Path grow = without(Path.of(full), spare, stateDir.resolve("demo-grow.ini"));
    out.printf("      %s hosts up in %.1f s; API stand-in %s%n", state.kind().label(), (System.nanoTime() - t0) / 1e9,
        state.apiEndpoint());

    out.printf("[3/7] expanding %s: %s, %s (control plane + etcd), %s (worker); %s stays a spare control plane"
        + " of the inventory%n", state.clusterName(), names.get(1), names.get(2), worker, spare);
    out.println("      = ./graft expand -i " + grow + " --kubeconfig " + state.kubeconfig() + " --watch");
    int code = cli(out, "expand", "-i", grow.toString(), "--kubeconfig", state.kubeconfig(), "--watch", "--server", url);
    if (code != 0) {
      return end(ns, out, lab, keep, code, t0, "the expansion did not finish");
    }
    Map<String, String> podCidr = podCidrs(state);
    List<String> cpAddresses = names.subList(0, 4).stream().map(address::get).toList();
    List<EtcdMember> before = members(state, cpAddresses);
    out.println("[4/7] etcd voters before: " + voters(before, address));

    Thread watcher = new Thread(() -> watch(state, cpAddresses), "demo-etcd-watch");
    watcher.setDaemon(true);
    watcher.start();
    long r0 = System.nanoTime();
    out.println("[5/7] " + old + "'s host goes down (its link is cut: lab fault cutLink); replacing it with " + spare);
    lab.faults().cutLink(old);
    String replaceId = "cluster/" + state.clusterName() + "/remove/demo-replace";
    out.println("      = ./graft replace -i " + full + " --kubeconfig " + state.kubeconfig() + " --node " + old
        + " --with " + spare + " --unreachable --watch");
    code = cli(out, "replace", "-i", full, "--kubeconfig", state.kubeconfig(), "--node", old, "--with", spare,
        "--unreachable", "--request-id", "demo-replace", "--watch", "--server", url);
    double replaceSeconds = (System.nanoTime() - r0) / 1e9;
    if (code != 0) {
      watching = false;
      return end(ns, out, lab, keep, code, t0, "the replacement did not finish (" + replaceId + ")");
    }
    long w0 = System.nanoTime();
    // As the SRE does after a replacement: the inventory no longer lists the old control plane
    // (it would count a fourth etcd node, which the inventory's validation refuses).
    Path after0 = without(Path.of(full), old, stateDir.resolve("demo-after.ini"));
    out.println("[6/7] removing the worker " + worker + " (the inventory now without " + old + ")");
    out.println("      = ./graft remove -i " + after0 + " --kubeconfig " + state.kubeconfig() + " --node " + worker
        + " --watch");
    code = cli(out, "remove", "-i", after0.toString(), "--kubeconfig", state.kubeconfig(), "--node", worker,
        "--request-id", "demo-remove-worker", "--watch", "--server", url);
    double removeSeconds = (System.nanoTime() - w0) / 1e9;
    watching = false;
    watcher.join(5_000);
    if (code != 0) {
      return end(ns, out, lab, keep, code, t0, "the worker's removal did not finish");
    }

    out.printf("[7/7] replaced %s with %s in %.0f s, removed %s in %.0f s; the checks:%n", old, spare, replaceSeconds,
        worker, removeSeconds);
    List<String> staying = List.of(names.get(0), names.get(2), spare);
    List<EtcdMember> after = members(state, cpAddresses);
    out.println("      etcd voters after: " + voters(after, address));
    List<String> failed = new ArrayList<>();
    String oldAddress = address.get(old);
    check(out, failed, "the old control plane " + old + " is no etcd member",
        after.stream().noneMatch(m -> oldAddress.equals(m.peerHost())));
    EtcdMember fresh = after.stream().filter(m -> address.get(spare).equals(m.peerHost())).findFirst().orElse(null);
    check(out, failed, "the new one " + spare + " is a healthy voter",
        fresh != null && fresh.healthy() && !fresh.learner());
    check(out, failed, "etcd: " + after.size() + " members, all healthy voters",
        after.size() == 3 && after.stream().allMatch(m -> m.healthy() && !m.learner()));
    List<String> nodeNames;
    try (KubernetesClient kube = KubeClients.fromKubeconfig(Files.readString(Path.of(state.kubeconfig())),
        Duration.ofSeconds(10))) {
      nodeNames = kube.nodes().list().getItems().stream().map(n -> n.getMetadata().getName()).sorted().toList();
    }
    check(out, failed, "Nodes " + nodeNames + ": neither " + old + " nor " + worker,
        !nodeNames.contains(old) && !nodeNames.contains(worker) && nodeNames.containsAll(staying));
    for (String cp : staying) {
      String servers = lab.host(cp).sh(Duration.ofSeconds(20),
          "sed -n 's/^ *- --etcd-servers=//p' /etc/kubernetes/manifests/kube-apiserver.yaml").stdout().strip();
      check(out, failed, cp + ": --etcd-servers=" + servers + " does not name " + oldAddress,
          !servers.isEmpty() && !servers.contains(oldAddress));
    }
    Map<String, String> cidrsNow = podCidrs(state);
    for (String n : staying) {
      String routes = lab.host(n).sh(Duration.ofSeconds(20), "ip route show proto 213").stdout();
      // A freed pod CIDR may go to the node that joins next (the replacement): the routes that
      // must be gone are those through the removed nodes' addresses.
      String gone = "via " + oldAddress + " ";
      String goneWorker = "via " + address.get(worker) + " ";
      check(out, failed, n + ": no pod route via " + old + " (" + podCidr.get(old) + ") or " + worker + " ("
          + podCidr.get(worker) + "); " + routes.strip().lines().count() + " route(s) left: "
          + String.join("; ", routes.strip().lines().toList()), !routes.contains(gone) && !routes.contains(goneWorker));
    }
    cidrsNow.forEach((n, c) -> {
      if (c != null && c.equals(podCidr.get(old)) && !n.equals(old)) {
        out.println("      note   " + old + "'s pod CIDR " + c + " went to " + n + " when it joined");
      }
    });
    out.printf("      the watcher: %d samples (one a second), %d below majority, %d unanswered:%n", samples.size(),
        belowMajority, unanswered);
    for (int i = 0; i < samples.size(); i += 4) {
      out.println("        " + String.join("   ", samples.subList(i, Math.min(samples.size(), i + 4))));
    }
    check(out, failed, "quorum never below majority (" + samples.size() + " samples)",
        belowMajority == 0 && !samples.isEmpty());
    code = failed.isEmpty() ? 0 : 1;
    return end(ns, out, lab, keep, code, t0, failed.isEmpty() ? null : "failed checks: " + failed);
  }

  /** Every second until stopped: voters, healthy voters, quorum, as etcd answers. */
  private void watch(LabState state, List<String> cpAddresses) {
    long start = System.nanoTime();
    EtcdTls tls = new EtcdTls(state.bootstrap().etcdCaCert(), state.bootstrap().etcdClientCert(),
        state.bootstrap().etcdClientKey());
    List<String> endpoints = cpAddresses.stream().map(a -> "https://" + a + ":2379").toList();
    Client client = null;
    while (watching) {
      long t = System.nanoTime();
      String at = String.format("%3ds", (t - start) / 1_000_000_000L);
      try {
        if (client == null) {
          client = EtcdMemberReader.client(endpoints, tls, Duration.ofMillis(900));
        }
        List<EtcdMember> m = new EtcdMemberReader(client, Duration.ofMillis(900)).readMembers();
        long voters = m.stream().filter(x -> !x.learner()).count();
        long healthy = m.stream().filter(x -> !x.learner() && x.healthy()).count();
        long quorum = voters / 2 + 1;
        if (healthy < quorum) {
          belowMajority++;
        }
        samples.add(at + " " + healthy + "/" + voters + (m.size() > voters ? "+" + (m.size() - voters) + "L" : "")
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

  private static List<EtcdMember> members(LabState state, List<String> cpAddresses) throws Exception {
    EtcdTls tls = new EtcdTls(state.bootstrap().etcdCaCert(), state.bootstrap().etcdClientCert(),
        state.bootstrap().etcdClientKey());
    try (Client c = EtcdMemberReader.client(cpAddresses.stream().map(a -> "https://" + a + ":2379").toList(), tls,
        Duration.ofSeconds(5))) {
      return new EtcdMemberReader(c, Duration.ofSeconds(5)).readMembers();
    }
  }

  private static String voters(List<EtcdMember> members, Map<String, String> address) {
    List<String> out = new ArrayList<>();
    for (EtcdMember m : members) {
      String host = address.entrySet().stream().filter(e -> e.getValue().equals(m.peerHost())).map(Map.Entry::getKey)
          .findFirst().orElse(m.peerHost());
      out.add(host + " " + m.id() + (m.learner() ? " learner" : "") + (m.healthy() ? " healthy" : " UNHEALTHY"));
    }
    return members.size() + " " + out;
  }

  private static Map<String, String> podCidrs(LabState state) throws Exception {
    Map<String, String> out = new HashMap<>();
    try (KubernetesClient kube = KubeClients.fromKubeconfig(Files.readString(Path.of(state.kubeconfig())),
        Duration.ofSeconds(10))) {
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
  static Path without(Path ini, String host, Path target) throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add("# `graft lab demo replace`: the lab's inventory.ini without " + host);
    for (String line : Files.readAllLines(ini)) {
      if (!line.equals(host) && !line.startsWith(host + " ")) {
        lines.add(line);
      }
    }
    return Files.write(target, lines);
  }

  private static int cli(PrintStream out, String... args) throws Exception {
    Optional<Throwable> ended = new GraftApplication().cli(out, System.err).run(args);
    return ended.map(t -> t instanceof CliExit x ? x.code() : 1).orElse(0);
  }

  private int end(Namespace ns, PrintStream out, Lab lab, boolean keep, int code, long t0, String why)
      throws Exception {
    if (why != null) {
      out.println("      " + why + " (exit " + code + ")");
    }
    out.printf("      demo wall time %.0f s. Web UI: %s/%n", (System.nanoTime() - t0) / 1e9,
        "http://127.0.0.1:" + LabDemo.envPort("GRAFT_HTTP_PORT", 8080));
    if (Boolean.TRUE.equals(ns.getBoolean("exit")) && !keep) {
      lab.close();
      out.flush();
      System.exit(code);
    }
    out.println("exit code " + code + "; Ctrl-C stops Graft and tears the lab down"
        + (keep ? " (--keep: the lab stays until then; its API stand-in lives in this process)" : "") + ".");
    out.flush();
    new CountDownLatch(1).await();
    return code;
  }
}
