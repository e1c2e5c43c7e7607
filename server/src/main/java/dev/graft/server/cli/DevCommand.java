package dev.graft.server.cli;

import dev.graft.server.GraftConfiguration;
import dev.graft.server.Mode;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft dev [config]}: an embedded in-memory Temporal bound to 127.0.0.1, a worker and the
 * server in one process. Without a file it uses the defaults in {@code graft-dev.yml} on the
 * classpath.
 */
public final class DevCommand extends GraftServerCommand {
  public static final String DEFAULT_CONFIG = ConfigSourceProvider.CLASSPATH + "graft-dev.yml";

  public DevCommand(Application<GraftConfiguration> application) {
    super(
        application,
        "dev",
        "Run everything in one process on an embedded, in-memory Temporal (no file needed).",
        Mode.DEV);
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.epilog(
        "Without a config file, the built-in defaults apply: UI and API on"
            + " http://127.0.0.1:8080/, admin on 127.0.0.1:8081, embedded Temporal on"
            + " 127.0.0.1:7233.");
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
    if (namespace.getString("file") == null) {
      Map<String, Object> attrs = new HashMap<>(namespace.getAttrs());
      attrs.put("file", DEFAULT_CONFIG);
      namespace = new Namespace(attrs);
    }
    super.run(bootstrap, namespace);
  }

  @Override
  protected List<String> bindings(GraftConfiguration config) {
    List<String> all = new ArrayList<>(config.httpBindings());
    all.add(config.getDev().getTemporalBindHost() + ":" + config.getDev().getTemporalPort());
    return all;
  }

  @Override
  protected void beforeStart(GraftConfiguration config) {
    String target = config.getDev().getTemporalBindHost() + ":" + config.getDev().getTemporalPort();
    config.getTemporal().setTarget(target);
    System.out.println(banner(config, target));
  }

  static String banner(GraftConfiguration config, String target) {
    String ui =
        config.httpBindings().isEmpty()
            ? "(no HTTP connector)"
            : "http://" + config.httpBindings().get(0) + "/";
    return String.join(
        "\n",
        "",
        "  Graft dev: embedded Temporal on " + target + ", worker and server in this process.",
        "  Temporal's state is IN MEMORY ONLY: stopping this process forgets every operation"
            + " and its history.",
        "  For durable state, run a real Temporal (docker compose up -d, see README) and start"
            + " 'graft server config/graft.yml' and 'graft worker config/worker.yml'",
        "  with TEMPORAL_ADDRESS=<host:7233>.",
        config.getAuth().getAnonymousRole() != null
            ? "  API access without a token acts as 'anonymous' ("
                + config.getAuth().getAnonymousRole().name().toLowerCase(Locale.ROOT)
                + "); configure auth.tokens for anything shared."
            : "  API access needs a bearer token (auth.tokens).",
        "  UI: " + ui + "   health: http://" + adminBinding(config) + "/healthcheck",
        "");
  }

  private static String adminBinding(GraftConfiguration config) {
    List<String> b = config.httpBindings();
    return b.size() > 1 ? b.get(b.size() - 1) : "127.0.0.1:8081";
  }
}
