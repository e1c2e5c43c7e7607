package dev.graft.server.cli.ops;

import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.io.PrintStream;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * A command that talks to Graft's REST API: {@code --server} (or GRAFT_SERVER, default
 * http://127.0.0.1:8080) and {@code --token} (or GRAFT_TOKEN). Exit codes: 0 done (or accepted), 2
 * an operator must act, 1 failed or an error.
 */
abstract class ApiCommand extends Command {
  static final String DEFAULT_SERVER = "http://127.0.0.1:8080";
  private final Supplier<PrintStream> out;
  private final Supplier<PrintStream> err;

  ApiCommand(
      String name, String description, Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super(name, description);
    this.out = out;
    this.err = err;
  }

  @Override
  public final void configure(Subparser s) {
    s.addArgument("--server")
        .dest("server")
        .metavar("URL")
        .help("Graft's URL (default $GRAFT_SERVER, else " + DEFAULT_SERVER + ")");
    s.addArgument("--token")
        .dest("token")
        .metavar("TOKEN")
        .help("API token (default $GRAFT_TOKEN); `graft token` mints one");
    arguments(s);
    s.epilog(
        "Exit code: 0 done or accepted; 2 needs attention or waits for approval;"
            + " 1 failed, aborted or an error.");
  }

  abstract void arguments(Subparser s);

  /** Runs the command; returns its exit code. */
  abstract int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err)
      throws ApiClient.ApiError, Exception;

  @Override
  public final void run(Bootstrap<?> bootstrap, Namespace ns) throws Exception {
    String server = first(ns.getString("server"), System.getenv("GRAFT_SERVER"), DEFAULT_SERVER);
    String token = first(ns.getString("token"), System.getenv("GRAFT_TOKEN"), null);
    PrintStream o = out.get();
    PrintStream e = err.get();
    int code;
    try {
      code = execute(ns, new ApiClient(server, token), o, e);
    } catch (ApiClient.ApiError x) {
      e.println("graft " + getName() + ": " + x.getMessage());
      if (x.body != null && x.body.has("errors")) {
        x.body
            .get("errors")
            .forEach(
                err -> {
                  String where =
                      err.path("file").asText("")
                          + (err.path("line").asInt() > 0 ? ":" + err.path("line").asInt() : "");
                  String field =
                      err.hasNonNull("field") ? "field " + err.get("field").asText() + ": " : "";
                  if (x.body.get("errors").size() > 1 && !x.getMessage().contains("\n")) {
                    e.println("  " + where + ": " + field + err.path("message").asText());
                  }
                });
      }
      if (x.body != null && x.body.has("refusals")) {
        x.body
            .get("refusals")
            .forEach(
                r ->
                    e.println(
                        "  refused: "
                            + (r.hasNonNull("node") ? r.get("node").asText() + ": " : "")
                            + r.path("message").asText()
                            + " ["
                            + r.path("code").asText()
                            + "]"));
      }
      code = 1;
    }
    o.flush();
    e.flush();
    if (code != 0) {
      throw new CliExit(code);
    }
  }

  @Override
  public void onError(Cli cli, Namespace namespace, Throwable e) {
    if (!(e instanceof CliExit)) {
      cli.getStdErr().println("graft " + getName() + ": " + e.getMessage());
    }
  }

  /** {@code --unreachable-timeout}, for the commands that follow an operation. */
  static void unreachableTimeout(Subparser s) {
    s.addArgument("--unreachable-timeout")
        .dest("unreachableTimeout")
        .metavar("DURATION")
        .setDefault("5m")
        .help(
            "how long to keep retrying while the server does not answer (no connection, a"
                + " timeout, 502/503/504) before giving up with exit code 1: 90s, 5m, 1h;"
                + " 0 gives up at once (default 5m)");
  }

  static Patience patience(Namespace ns, PrintStream err, String command) {
    return new Patience(Patience.parse(ns.getString("unreachableTimeout")), err, command);
  }

  private static String first(String a, String b, String c) {
    if (a != null && !a.isBlank()) {
      return a;
    }
    if (b != null && !b.isBlank()) {
      return b;
    }
    return c;
  }
}
