package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft status [ID] [--watch] [-o json]}: every operation, or one with each node's steps.
 * Exit code for one operation: 0 done, running or queued; 2 needs attention or waits for approval;
 * 1 failed or aborted. With --watch it follows the operation until it is settled, riding out a
 * server that does not answer for up to {@code --unreachable-timeout}.
 */
public final class StatusCommand extends ApiCommand {
  public StatusCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super("status", "Show operations, or one operation's progress per node and step.", out, err);
  }

  @Override
  void arguments(Subparser s) {
    s.addArgument("id")
        .nargs("?")
        .metavar("ID")
        .help("an operation id (cluster/<name>/expand/<requestId>)");
    s.addArgument("--watch")
        .dest("watch")
        .action(Arguments.storeTrue())
        .help("follow the operation until it ends or needs an operator");
    s.addArgument("--interval").dest("interval").type(Integer.class).setDefault(1000).metavar("MS");
    unreachableTimeout(s);
    s.addArgument("-o", "--output").dest("output").choices("text", "json").setDefault("text");
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    String id = ns.getString("id");
    boolean json = "json".equals(ns.getString("output"));
    if (id == null) {
      if (Boolean.TRUE.equals(ns.getBoolean("watch"))) {
        err.println("graft status: --watch needs an operation id");
        return 1;
      }
      JsonNode list = api.get("/api/v1/operations");
      if (json) {
        out.println(pretty(list));
        return 0;
      }
      if (list.path("operations").isEmpty()) {
        out.println("no operations");
      }
      for (JsonNode o : list.path("operations")) {
        out.println(
            String.format(
                "%-44s %-17s %-10s %s",
                o.path("id").asText(),
                o.path("state").asText(),
                o.path("requestedBy").asText(""),
                o.path("message").asText("")));
      }
      list.path("errors")
          .forEach(
              e ->
                  err.println(
                      "graft status: "
                          + e.path("workflowId").asText()
                          + ": "
                          + e.path("error").asText()));
      return 0;
    }
    if (Boolean.TRUE.equals(ns.getBoolean("watch"))) {
      return watchAndReport(api, patience(ns, err, "status"), id, out, json, ns.getInt("interval"));
    }
    JsonNode op = api.get("/api/v1/operations/" + id);
    if (json) {
      out.println(pretty(op));
    } else {
      out.println(ProgressText.header(op));
      ProgressText.lines(op).forEach(out::println);
      out.print(ProgressText.summary(op));
    }
    return ProgressText.exitCode(op.path("state").asText());
  }

  /** Watches until settled, prints the summary (or the JSON), and returns the exit code. */
  static int watchAndReport(
      ApiClient api, Patience patience, String id, PrintStream out, boolean json, int interval)
      throws Exception {
    boolean tty = System.console() != null && out == System.out;
    JsonNode op = new Watcher(api, patience, out, tty, Math.max(50, interval), !json).watch(id);
    if (json) {
      out.println(pretty(op));
    } else {
      out.print(ProgressText.summary(op));
    }
    return ProgressText.exitCode(op.path("state").asText());
  }

  static String pretty(JsonNode n) throws Exception {
    return ApiClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(n);
  }
}
