package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft approve|retry|skip|abort ID [--node N] [--step S] [--reason R]}: an operator's
 * decision, recorded under the token's user. Exit code 0 when the workflow accepted it, 1 when it
 * refused (the reason is printed).
 */
public final class DecideCommand extends ApiCommand {
  private final String action;

  public DecideCommand(
      String action, String description, Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super(action, description, out, err);
    this.action = action;
  }

  @Override
  void arguments(Subparser s) {
    s.addArgument("id").metavar("ID").help("the operation id");
    s.addArgument("--node")
        .dest("node")
        .metavar("N")
        .help("the node whose step this is about (default: wherever the one waiting step is)");
    s.addArgument("--step")
        .dest("step")
        .metavar("S")
        .help("the step id (default: the one waiting)");
    s.addArgument("--reason").dest("reason").metavar("TEXT").help("why, for the audit trail");
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    StringBuilder q = new StringBuilder();
    param(q, "node", ns.getString("node"));
    param(q, "stepId", ns.getString("step"));
    param(q, "reason", ns.getString("reason"));
    String id = ns.getString("id");
    JsonNode r = api.post("/api/v1/operations/" + id + "/" + action + q, null);
    JsonNode a = r.path("action");
    out.println(
        action
            + " recorded on "
            + r.path("workflowId").asText()
            + (a.hasNonNull("stepId") ? " step " + a.get("stepId").asText() : "")
            + " by "
            + a.path("actor").asText());
    out.println("  follow it: graft status " + id + " --watch");
    return 0;
  }

  private static void param(StringBuilder q, String name, String value) {
    if (value != null && !value.isBlank()) {
      q.append(q.length() == 0 ? '?' : '&')
          .append(name)
          .append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
