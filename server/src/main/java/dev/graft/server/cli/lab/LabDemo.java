package dev.graft.server.cli.lab;

import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.lab.RolePlan;
import dev.graft.server.GraftApplication;
import dev.graft.server.cli.ConfigSourceProvider;
import dev.graft.server.cli.ops.CliExit;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft lab demo}: the README's main job. In one process: Graft on the embedded Temporal (as
 * {@code graft dev}, its log in a file), a lab of 6 hosts whose host 1 is an existing kubeadm
 * cluster (API, kubeadm and kubelet are the lab's stand-ins; etcd, SSH, routes are real), and an
 * expansion by 2 control-plane + etcd nodes, 1 infra worker and 2 workers, submitted and watched
 * exactly as {@code graft expand -i <inventory> --kubeconfig <admin.conf> --watch} does. Then the
 * summary and the UI address; Graft and the lab stay up until Ctrl-C, which tears the lab down;
 * with {@code --keep} it stops Graft and the lab's API stand-in (which live in this process) and
 * leaves the hosts. {@code --exit} ends after the summary with expand's exit code.
 */
public final class LabDemo implements LabAction {
  static final String CONFIG = ConfigSourceProvider.CLASSPATH + "graft-demo.yml";

  /** Dropwizard's override of {@code paths.allowedRoots} in the config it reads. */
  static final String ROOTS_PROPERTY = "dw.paths.allowedRoots";

  public static final int HOSTS = 6;

  @Override
  public String name() {
    return "demo";
  }

  @Override
  public String help() {
    return "bring up a lab cluster, start Graft on the embedded Temporal, and expand the cluster"
        + " by 2 control-plane + etcd nodes, 1 infra worker and 2 workers (`demo upgrade`: grow a"
        + " v1.30.2 cluster to 5 nodes, then upgrade it to v1.31.0)";
  }

  @Override
  public void configure(Subparser p) {
    p.addArgument("scenario")
        .nargs("?")
        .choices("expand", "upgrade", "replace")
        .setDefault("expand")
        .help(
            "expand (default): grow the cluster by 5 nodes; upgrade: grow it to 5 nodes at v1.30.2, then"
                + " upgrade it to v1.31.0 with `graft upgrade`, resolving an injected blocked drain as an operator would;"
                + " replace: grow to 3 control planes and a worker, cut a control plane's link, `graft replace` it with a"
                + " spare, `graft remove` the worker, with etcd watched every second and the acceptance's checks");
    p.addArgument("--keep")
        .action(Arguments.storeTrue())
        .help(
            "Graft and the lab stay up until Ctrl-C (or --exit); then the lab's API stand-in stops"
                + " with Graft (it lives in this process) and the hosts stay, with SSH, etcd and routes"
                + " (inspect: `graft lab status`, `graft lab exec`, ssh; remove: `graft lab down`)");
    p.addArgument("--exit")
        .action(Arguments.storeTrue())
        .help(
            "stop after the summary, with expand's exit code (0 done, 2 needs attention, 1 failed)");
    p.addArgument("--kind")
        .choices("netns", "auto")
        .setDefault("auto")
        .help("netns hosts (root + OpenSSH); auto refuses when they cannot run here");
    p.addArgument("--slot")
        .type(Integer.class)
        .help("netns address block 0..15 (default: first free)");
    p.addArgument("--require-approval")
        .dest("require_approval")
        .action(Arguments.storeTrue())
        .help("park before the first change until `graft approve` (or the UI's Approve)");
  }

  @Override
  public void run(Namespace ns, PrintStream out) throws Exception {
    Path stateDir = LabCommand.stateDir(ns);
    if (Files.exists(stateDir.resolve("lab.json"))) {
      throw new IllegalArgumentException(
          "a lab already lives in "
              + stateDir
              + ": remove it with"
              + " `./graft lab down`"
              + (ns.getString(LabCommand.STATE_DIR) == null ? "" : " --state-dir " + stateDir)
              + ", or give the demo another --state-dir");
    }
    LabKind kind = Lab.resolveKind(LabKind.parse(ns.getString("kind")));
    if (kind != LabKind.NETNS) {
      // In-process hosts share 127.0.0.1 and this machine's routes: pod routing would change the
      // machine's own tables, and every etcd member would need its own port. Not for a demo.
      throw new IllegalArgumentException(
          "the demo needs netns hosts (root, OpenSSH, iproute2):"
              + " each node needs its own address, routes and etcd ports; run it as root after .ci/run's"
              + " apt-get step (in-process hosts can run `graft lab up --kind inprocess` for SSH-level work)");
    }
    if ("upgrade".equals(ns.getString("scenario"))) {
      new UpgradeDemo().run(ns, out, stateDir, kind);
      return;
    }
    if ("replace".equals(ns.getString("scenario"))) {
      new ReplaceDemo().run(ns, out, stateDir, kind);
      return;
    }
    LabSpec spec = demoLab(ns, stateDir, kind, HOSTS, 3).build();
    Started started =
        start(
            ns,
            out,
            stateDir,
            4,
            String.format(
                "bringing up the lab in %s: %d hosts, host 1 an existing kubeadm cluster",
                stateDir, HOSTS),
            spec);
    String url = started.url();
    long t0 = started.t0();
    Lab lab = started.lab();
    boolean keep = started.keep();
    LabState state = lab.state();
    Path inventory = writeInventory(state, stateDir.resolve("demo-inventory.ini"));
    List<String> names = state.hosts().stream().map(HostState::name).toList();
    out.printf(
        "[3/4] expanding cluster %s by %s, %s (control plane + etcd), %s (infra worker), %s, %s"
            + " (workers)%n",
        state.clusterName(), names.get(1), names.get(2), names.get(3), names.get(4), names.get(5));
    out.println(
        "      = ./graft expand -i "
            + inventory
            + " --kubeconfig "
            + state.kubeconfig()
            + " --watch");

    List<String> expand =
        new ArrayList<>(
            List.of(
                "expand",
                "-i",
                inventory.toString(),
                "--kubeconfig",
                state.kubeconfig(),
                "--watch",
                "--server",
                url));
    if (Boolean.TRUE.equals(ns.getBoolean("require_approval"))) {
      expand.add("--require-approval");
    }
    int code = cli(out, expand.toArray(String[]::new));

    out.printf(
        "[4/4] %s after %.0f s. Web UI: %s/  (REST: %s/api/v1/operations)%n",
        code == 0 ? "done" : code == 2 ? "an operator must act" : "failed",
        (System.nanoTime() - t0) / 1e9,
        url,
        url);
    out.println(
        "      lab: ./graft lab status"
            + stateDirFlag(ns, stateDir)
            + "   ssh: ssh -i "
            + state.clientKey()
            + " -o UserKnownHostsFile="
            + state.knownHosts()
            + " root@"
            + state.hosts().get(1).address());
    if (Boolean.TRUE.equals(ns.getBoolean("exit"))) {
      if (!keep) {
        lab.close();
      }
      out.flush();
      // Graft's non-daemon threads (Jetty, Temporal) would keep the JVM up: leave explicitly.
      System.exit(code);
    }
    out.println(
        keep
            ? "Ctrl-C stops Graft and the lab's API stand-in (it lives in this process); the lab's hosts"
                + " stay, with SSH, etcd and routes (./graft lab down"
                + stateDirFlag(ns, stateDir)
                + " removes them)."
            : "Ctrl-C stops Graft and tears the lab down (--keep would leave it running).");
    out.flush();
    new CountDownLatch(1).await();
  }

  /**
   * What steps 1 and 2 of a demo leave: the server's URL, when the demo began, the lab, and --keep.
   */
  record Started(String url, long t0, Lab lab, boolean keep) {
    /**
     * How a scenario demo ({@code demo upgrade}, {@code demo replace}) ends: why it stopped early
     * (when {@code why} is not null), its wall time and the UI's address; with {@code --exit} the
     * process ends with {@code code} (tearing the lab down unless {@code --keep}); otherwise Graft
     * stays up until Ctrl-C.
     */
    int end(Namespace ns, PrintStream out, int code, String why) throws InterruptedException {
      if (why != null) {
        out.println("      " + why + " (exit " + code + ")");
      }
      out.printf("      demo wall time %.0f s. Web UI: %s/%n", (System.nanoTime() - t0) / 1e9, url);
      if (Boolean.TRUE.equals(ns.getBoolean("exit"))) {
        if (!keep) {
          lab.close();
        }
        out.flush();
        System.exit(code); // Graft's non-daemon threads (Jetty, Temporal) would keep the JVM up
      }
      out.println(
          keep
              ? "Ctrl-C stops Graft and the lab's API stand-in (it lives in this process); the lab's hosts"
                  + " stay, with SSH, etcd and routes (./graft lab down removes them)."
              : "Ctrl-C stops Graft and tears the lab down.");
      out.flush();
      new CountDownLatch(1).await();
      return code;
    }
  }

  /**
   * Steps 1 and 2 of every demo: starts Graft (embedded Temporal, worker and server, on
   * GRAFT_HTTP_PORT), then brings up the lab {@code spec} describes and says how long it took.
   * Exits 1 when Graft does not start (dev has said why: a port in use, most often).
   *
   * @param steps the demo's number of steps, for "[1/steps]"
   * @param labStep what step 2 says it does
   */
  static Started start(
      Namespace ns, PrintStream out, Path stateDir, int steps, String labStep, LabSpec spec)
      throws CliExit {
    String url = "http://127.0.0.1:" + envPort("GRAFT_HTTP_PORT", 8080);
    Path log = Path.of(System.getenv().getOrDefault("GRAFT_DEMO_LOG", "/tmp/graft-demo.log"));
    long t0 = System.nanoTime();

    out.println(
        "[1/"
            + steps
            + "] starting Graft: embedded Temporal, worker and server on "
            + url
            + " (log: "
            + log
            + ")");
    if (startGraft(out, stateDir).isPresent()) {
      throw new CliExit(1);
    }

    out.println("[2/" + steps + "] " + labStep);
    Lab lab = Lab.up(spec);
    boolean keep = Boolean.TRUE.equals(ns.getBoolean("keep"));
    if (keep) {
      // Ctrl-C (or --exit) then stops this process, Graft and the lab's API stand-in, which
      // lives in it; the hosts (SSH, etcd, routes) stay for `lab status`, ssh and `lab down`.
      lab.keepHosts();
    }
    LabState state = lab.state();
    out.printf(
        "      %s hosts up in %.1f s; API stand-in %s%n",
        state.kind().label(), (System.nanoTime() - t0) / 1e9, state.apiEndpoint());
    return new Started(url, t0, lab, keep);
  }

  /**
   * Starts Graft as {@code graft dev} does, reading request files only under the lab's state
   * directory: the demo's operations name the lab's kubeconfig there (paths.allowedRoots), as a
   * configured server would. Empty when it started; else why not (dev has said it).
   */
  static Optional<Throwable> startGraft(PrintStream out, Path stateDir) {
    String roots = System.getProperty(ROOTS_PROPERTY);
    System.setProperty(ROOTS_PROPERTY, stateDir.toAbsolutePath().toString());
    try {
      return new GraftApplication().cli(out, System.err).run("dev", CONFIG);
    } finally {
      if (roots == null) {
        System.clearProperty(ROOTS_PROPERTY);
      } else {
        System.setProperty(ROOTS_PROPERTY, roots);
      }
    }
  }

  /**
   * The lab's kubespray inventory as an SRE who never ran Graft has it: no cluster name, no API
   * endpoint and no etcd client files for Graft (the cluster's kubeadm-config names the first two,
   * and etcd is read through host 1 with its own certificate), and the 4th host as an infra worker:
   * a label the kubelet may not set itself (node-role.kubernetes.io/*), so Graft applies it through
   * the API, and a taint.
   */
  public static Path writeInventory(LabState state, Path target) throws IOException {
    String infra = state.hosts().get(3).name();
    List<String> lines = new ArrayList<>();
    lines.add(
        "# `graft lab demo`: the lab's inventory.ini without Graft's variables, with "
            + infra
            + " as an infra worker.");
    for (String line : Files.readAllLines(Path.of(state.inventoryIni()))) {
      if (line.startsWith("graft_etcd_")
          || line.startsWith("graft_cluster_name=")
          || line.startsWith("graft_api_endpoint=")) {
        continue;
      }
      if (line.startsWith(infra + " ")) {
        line +=
            " node_labels=\"{'node-role.kubernetes.io/infra': '', 'graft.dev/pool': 'infra'}\""
                + " node_taints=\"['node-role.kubernetes.io/infra=:NoSchedule']\"";
      }
      lines.add(line);
    }
    return Files.write(target, lines);
  }

  private static String stateDirFlag(Namespace ns, Path stateDir) {
    return ns.getString(LabCommand.STATE_DIR) == null ? "" : " --state-dir " + stateDir;
  }

  /** Runs a graft command as the CLI does, in this process; its exit code. */
  static int cli(PrintStream out, String... args) {
    Optional<Throwable> ended = new GraftApplication().cli(out, System.err).run(args);
    return ended.map(t -> t instanceof CliExit x ? x.code() : 1).orElse(0);
  }

  static int envPort(String name, int fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
  }

  /**
   * A demo's lab: {@code hosts} hosts, host 1 an existing kubeadm cluster, the first {@code
   * controlPlanes} control planes with stacked etcd in the inventory, on the slot asked for.
   */
  static LabSpec.Builder demoLab(
      Namespace ns, Path stateDir, LabKind kind, int hosts, int controlPlanes) {
    return LabSpec.builder()
        .nodes(hosts)
        .kind(kind)
        .stateDir(stateDir)
        .roles(new RolePlan(controlPlanes, controlPlanes, false))
        .slot(ns.getInt("slot"))
        .bootstrap(true);
  }
}
