package dev.graft.server.cli.lab;

import dev.graft.lab.ExecResult;
import dev.graft.lab.Lab;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code graft lab exec HOST CMD...}: runs a command inside a netns host without SSH. */
final class LabExec implements LabAction {
  @Override
  public String name() {
    return "exec";
  }

  @Override
  public String help() {
    return "run a command as root inside a netns host (nsenter, no SSH)";
  }

  @Override
  public void configure(Subparser p) {
    p.addArgument("--timeout").type(Integer.class).setDefault(60).help("seconds (default 60)");
    p.addArgument("host");
    p.addArgument("argv").nargs("+").action(Arguments.append()).help("command and arguments");
  }

  @Override
  public void run(Namespace ns, PrintStream out) {
    List<List<String>> argv = ns.getList("argv");
    Lab lab = Lab.attach(LabCommand.stateDir(ns));
    ExecResult r =
        lab.host(ns.getString("host"))
            .exec(Duration.ofSeconds(ns.getInt("timeout")), argv.get(0).toArray(String[]::new));
    out.print(r.stdout());
    System.err.print(r.stderr());
    out.flush();
    if (r.exitCode() != 0) {
      System.exit(r.exitCode());
    }
  }
}
