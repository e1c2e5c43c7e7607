package dev.graft.server.cli.lab;

import dev.graft.lab.Lab;
import dev.graft.lab.LabException;
import dev.graft.lab.LabFaults;
import java.io.PrintStream;
import java.time.Duration;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code graft lab fault ACTION HOST ...}: the fault API from the command line (netns labs). */
final class LabFault implements LabAction {
  @Override
  public String name() {
    return "fault";
  }

  @Override
  public String help() {
    return "inject a fault into a host of a running netns lab";
  }

  @Override
  public void configure(Subparser p) {
    p.addArgument("fault")
        .choices(
            "sshd-stop",
            "sshd-start",
            "link-cut",
            "link-restore",
            "latency",
            "latency-clear",
            "fail",
            "record",
            "kill")
        .help(
            "sshd-stop|sshd-start|link-cut|link-restore|latency --ms N|latency-clear|"
                + "fail --command C [--times N] [--exit-code N]|record --command C|kill --pid-file P");
    p.addArgument("host").help("host name, e.g. k8s-node2");
    p.addArgument("--command").dest("fault_command").help("command name for fail/record");
    p.addArgument("--times").type(Integer.class).setDefault(1);
    p.addArgument("--exit-code").dest("exit_code").type(Integer.class).setDefault(1);
    p.addArgument("--ms").type(Integer.class).help("latency in milliseconds");
    p.addArgument("--pid-file").dest("pid_file").help("PID file inside the host for kill");
    p.addArgument("--force").action(Arguments.storeTrue()).help("kill with SIGKILL");
  }

  @Override
  public void run(Namespace ns, PrintStream out) {
    Lab lab = Lab.attach(LabCommand.stateDir(ns));
    LabFaults f = lab.faults();
    String host = ns.getString("host");
    lab.host(host);
    switch (ns.getString("fault")) {
      case "sshd-stop" -> f.stopSshd(host);
      case "sshd-start" -> f.startSshd(host);
      case "link-cut" -> f.cutLink(host);
      case "link-restore" -> f.restoreLink(host);
      case "latency" -> f.addLatency(host, Duration.ofMillis(require(ns.getInt("ms"), "--ms")));
      case "latency-clear" -> f.clearLatency(host);
      case "fail" ->
          f.failNext(
              host,
              require(ns.getString("fault_command"), "--command"),
              ns.getInt("times"),
              ns.getInt("exit_code"));
      case "record" ->
          f.recordInvocations(host, require(ns.getString("fault_command"), "--command"));
      case "kill" -> {
        if (!f.killByPidFile(
            host, require(ns.getString("pid_file"), "--pid-file"), ns.getBoolean("force"))) {
          throw new LabException("no process of " + host + " in " + ns.getString("pid_file"));
        }
      }
      default -> throw new IllegalStateException(ns.getString("fault"));
    }
    out.println(ns.getString("fault") + " " + host + ": done");
  }

  private static <T> T require(T v, String flag) {
    if (v == null) {
      throw new IllegalArgumentException(flag + " is required for this fault");
    }
    return v;
  }
}
