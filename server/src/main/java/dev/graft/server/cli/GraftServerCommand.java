package dev.graft.server.cli;

import dev.graft.server.GraftConfiguration;
import dev.graft.server.Mode;
import dev.graft.workflows.step.Failures;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.core.setup.Bootstrap;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * A long-running Graft process in one {@link Mode}. {@code server} and {@code worker} are this
 * class; {@code dev} extends it. Before anything starts it checks that its ports are free, so a
 * second instance fails with a sentence instead of a stack trace.
 */
public class GraftServerCommand extends ServerCommand<GraftConfiguration> {
  private final Mode mode;

  public GraftServerCommand(
      Application<GraftConfiguration> application, String name, String description, Mode mode) {
    super(application, name, description);
    this.mode = mode;
  }

  public static GraftServerCommand server(Application<GraftConfiguration> app) {
    return new GraftServerCommand(
        app,
        "server",
        "Run the REST API and web UI against a Temporal cluster (workers run separately).",
        Mode.SERVER);
  }

  public static GraftServerCommand worker(Application<GraftConfiguration> app) {
    return new GraftServerCommand(
        app,
        "worker",
        "Run a worker that executes Graft's workflows and activities (admin port only).",
        Mode.WORKER);
  }

  @Override
  protected void run(
      Bootstrap<GraftConfiguration> bootstrap, Namespace namespace, GraftConfiguration config)
      throws Exception {
    config.setMode(mode);
    config.setConfigFile(namespace.getString("file"));
    List<String> busy = PortCheck.busy(bindings(config));
    if (!busy.isEmpty()) {
      throw new PortInUseException(busy);
    }
    beforeStart(config);
    super.run(bootstrap, namespace, config);
  }

  /** Ports this command will bind. */
  protected List<String> bindings(GraftConfiguration config) {
    return config.httpBindings();
  }

  /** Hook for {@code dev}: runs after the port check, before the application starts. */
  protected void beforeStart(GraftConfiguration config) {}

  @Override
  public void onError(Cli cli, Namespace namespace, Throwable e) {
    if (e instanceof PortInUseException || PortCheck.isBindFailure(e)) {
      String what =
          e instanceof PortInUseException p ? String.join(", ", p.busy()) : Failures.rootMessage(e);
      cli.getStdErr()
          .println(
              "graft "
                  + getName()
                  + ": port in use: "
                  + what
                  + ".\n  Another Graft (or another program) is listening there. Stop it, or"
                  + " choose other ports in the config file (server.applicationConnectors,"
                  + " server.adminConnectors, dev.temporalPort; or GRAFT_HTTP_PORT, GRAFT_ADMIN_PORT,"
                  + " GRAFT_DEV_TEMPORAL_PORT for graft dev).");
      return;
    }
    super.onError(cli, namespace, e);
  }

  /** Thrown before start when a port this command needs is taken. */
  public static final class PortInUseException extends Exception {
    private final List<String> busy;

    public PortInUseException(List<String> busy) {
      super("port in use: " + busy);
      this.busy = List.copyOf(busy);
    }

    public List<String> busy() {
      return busy;
    }
  }
}
