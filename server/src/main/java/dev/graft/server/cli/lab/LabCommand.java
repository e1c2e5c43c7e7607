package dev.graft.server.cli.lab;

import dev.graft.lab.Lab;
import dev.graft.lab.LabException;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

/**
 * {@code graft lab up|down|status|fault|exec|bench}: hosts on this machine for tests, demos and
 * benchmarks (see docs/lab.md). The state lives in --state-dir (default $GRAFT_LAB_DIR or
 * /tmp/graft-lab), so each action can run in its own process.
 */
public final class LabCommand extends Command {
  static final String ACTION = "lab_action";
  static final String STATE_DIR = "state_dir";
  private final Map<String, LabAction> actions = new LinkedHashMap<>();

  public LabCommand() {
    super("lab", "Bring lab hosts up and down, inspect them, inject faults (test/demo only).");
    for (LabAction a :
        List.of(
            new LabUp(),
            new LabDown(),
            new LabStatusAction(),
            new LabFault(),
            new LabExec(),
            new LabBench(),
            new LabDemo())) {
      actions.put(a.name(), a);
    }
  }

  @Override
  public void configure(Subparser subparser) {
    Subparsers subs = subparser.addSubparsers().dest(ACTION).title("actions").metavar("ACTION");
    for (LabAction a : actions.values()) {
      Subparser p = subs.addParser(a.name()).help(a.help()).description(a.help());
      p.addArgument("--state-dir")
          .dest(STATE_DIR)
          .help(
              "lab state directory (default $GRAFT_LAB_DIR or /tmp/graft-lab; now "
                  + Lab.defaultStateDir()
                  + ")");
      a.configure(p);
    }
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
    actions.get(namespace.getString(ACTION)).run(namespace, System.out);
    System.out.flush();
  }

  /** Lab errors name host and step already: print the message, not a stack trace. */
  @Override
  public void onError(Cli cli, Namespace namespace, Throwable e) {
    if (e instanceof LabException || e instanceof IllegalArgumentException) {
      cli.getStdErr().println("graft lab " + namespace.getString(ACTION) + ": " + e.getMessage());
    } else {
      super.onError(cli, namespace, e);
    }
  }

  static Path stateDir(Namespace ns) {
    String s = ns.getString(STATE_DIR);
    return s != null ? Path.of(s).toAbsolutePath().normalize() : Lab.defaultStateDir();
  }
}
