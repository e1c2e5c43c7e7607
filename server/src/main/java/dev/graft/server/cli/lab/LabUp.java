package dev.graft.server.cli.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabStatus;
import dev.graft.lab.RolePlan;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft lab up}: netns hosts are detached and outlive this process; in-process hosts and a
 * bootstrap's API stand-in live in it, so it then stays in the foreground until Ctrl-C or `graft
 * lab down`.
 */
final class LabUp implements LabAction {
  @Override
  public String name() {
    return "up";
  }

  @Override
  public String help() {
    return "create N hosts with SSH, keys, known_hosts and inventories";
  }

  @Override
  public void configure(Subparser p) {
    p.addArgument("--nodes").type(Integer.class).setDefault(3).help("number of hosts (default 3)");
    p.addArgument("--kind")
        .choices("netns", "inprocess", "auto")
        .setDefault("auto")
        .help("netns (root + OpenSSH), inprocess (MINA SSHD on 127.0.0.1), auto (default)");
    p.addArgument("--control-planes")
        .dest("control_planes")
        .type(Integer.class)
        .setDefault(1)
        .help("hosts 1..C are control planes (default 1)");
    p.addArgument("--etcd")
        .type(Integer.class)
        .setDefault(1)
        .help(
            "etcd hosts: the first E control planes, or with --external-etcd the E hosts after them");
    p.addArgument("--external-etcd")
        .dest("external_etcd")
        .action(Arguments.storeTrue())
        .help("etcd on its own hosts instead of stacked on control planes");
    p.addArgument("--name-prefix")
        .dest("name_prefix")
        .setDefault("k8s-node")
        .help("host names are PREFIX1..PREFIXN (default k8s-node)");
    p.addArgument("--cluster-name")
        .dest("cluster_name")
        .setDefault("lab")
        .help("cluster name in the inventory (default lab)");
    p.addArgument("--slot")
        .type(Integer.class)
        .help("netns address block 0..15 (10.213.16k.0/20; default: first free)");
    p.addArgument("--bootstrap")
        .action(Arguments.storeTrue())
        .help(
            "make host 1 an existing kubeadm cluster (API stand-in in this process, etcd,"
                + " kubelet); stays in the foreground");
    p.addArgument("--node-monitor-grace")
        .dest("node_monitor_grace")
        .type(Integer.class)
        .setDefault(8)
        .help(
            "with --bootstrap: seconds without a kubelet heartbeat before a"
                + " Node turns Unknown (default 8; 40 in a real cluster)");
    p.addArgument("-o", "--output").dest("output").choices("text", "json").setDefault("text");
  }

  @Override
  public void run(Namespace ns, PrintStream out) throws Exception {
    LabSpec spec =
        LabSpec.builder()
            .nodes(ns.getInt("nodes"))
            .kind(LabKind.parse(ns.getString("kind")))
            .stateDir(LabCommand.stateDir(ns))
            .roles(
                new RolePlan(
                    ns.getInt("control_planes"), ns.getInt("etcd"), ns.getBoolean("external_etcd")))
            .namePrefix(ns.getString("name_prefix"))
            .clusterName(ns.getString("cluster_name"))
            .slot(ns.getInt("slot"))
            .bootstrap(ns.getBoolean("bootstrap"))
            .nodeMonitorGracePeriod(Duration.ofSeconds(ns.getInt("node_monitor_grace")))
            .build();
    long t0 = System.nanoTime();
    Lab lab = Lab.up(spec);
    double secs = (System.nanoTime() - t0) / 1e9;
    LabStatus status = LabStatus.of(lab.state());
    if ("json".equals(ns.getString("output"))) {
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status));
    } else {
      out.printf(
          "%d %s hosts up%s in %.2f s%n",
          spec.nodes(),
          lab.state().kind().label(),
          spec.bootstrap() ? " and host 1 bootstrapped" : "",
          secs);
      out.print(status.text());
    }
    out.flush();
    if (lab.state().kind() == LabKind.NETNS && !spec.bootstrap()) {
      lab.detach();
      return;
    }
    System.err.println(
        (spec.bootstrap()
                ? "The API stand-in at "
                    + lab.state().apiEndpoint()
                    + " lives in this process"
                    + (lab.state().kind() == LabKind.NETNS
                        ? ""
                        : ", and so do the in-process hosts")
                : "In-process hosts live in this process")
            + ": Ctrl-C or `./graft lab down` stops it.");
    // The lab's shutdown hook removes the hosts when this JVM is asked to stop.
    new CountDownLatch(1).await();
  }
}
