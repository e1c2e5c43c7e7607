package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft history ID [-o json]}: the audit trail, from Temporal's histories, or from the audit
 * archive once Temporal no longer has the operation; an archive whose checksum chain is broken is
 * shown with what broke, and the command exits 1.
 */
public final class HistoryCommand extends ApiCommand {
  public HistoryCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super(
        "history",
        "Show an operation's audit trail: every step attempt and operator action.",
        out,
        err);
  }

  @Override
  void arguments(Subparser s) {
    s.addArgument("id").metavar("ID").help("the operation id");
    s.addArgument("-o", "--output").dest("output").choices("text", "json").setDefault("text");
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    JsonNode h = api.get("/api/v1/operations/" + ns.getString("id") + "/history");
    boolean archived = "archive".equals(h.path("source").asText());
    boolean intact = !archived || h.path("archive").path("intact").asBoolean(false);
    if ("json".equals(ns.getString("output"))) {
      out.println(StatusCommand.pretty(h));
      return intact ? 0 : 1;
    }
    if (archived) {
      out.println(
          "from the audit archive (Temporal no longer has this operation); checksum chain "
              + (intact
                  ? "intact, last hash " + h.path("archive").path("lastHash").asText()
                  : "BROKEN:"));
      h.path("archive").path("problems").forEach(p -> out.println("  " + p.asText()));
    }
    for (JsonNode e : h.path("entries")) {
      String kind = e.path("kind").asText();
      String who =
          e.hasNonNull("node") ? e.get("node").asText() : shortId(e.path("workflowId").asText());
      String text =
          switch (kind) {
            case "activity" ->
                e.path("step").asText()
                    + " attempt "
                    + e.path("attempt").asText("?")
                    + " "
                    + e.path("outcome").asText()
                    + (e.hasNonNull("detail") ? ": " + e.get("detail").asText() : "");
            case "decision" ->
                e.path("decision").asText()
                    + (e.hasNonNull("stepId") ? " " + e.get("stepId").asText() : "")
                    + " by "
                    + e.path("actor").asText()
                    + (e.hasNonNull("reason") ? " (" + e.get("reason").asText() + ")" : "");
            case "submitted" -> e.path("detail").asText() + " by " + e.path("actor").asText();
            case "signal" ->
                "signal "
                    + e.path("detail").asText()
                    + (e.hasNonNull("actor") ? " by " + e.get("actor").asText() : "");
            case "started" -> "started " + e.path("detail").asText();
            case "ended" ->
                e.path("outcome").asText()
                    + (e.hasNonNull("detail") ? ": " + e.get("detail").asText() : "");
            default -> kind;
          };
      out.println(
          ProgressText.time(e.get("atMillis"))
              + "  "
              + String.format("%-10s %-14s ", kind, who)
              + text);
      if (e.hasNonNull("output")) {
        // A failed attempt's output: what the command printed when it failed, kept for every
        // attempt.
        for (String line : lastLines(e.get("output").asText(), OUTPUT_LINES)) {
          out.println("            | " + line);
        }
      }
    }
    if (!intact) {
      err.println(
          "graft history: the archived trail of "
              + ns.getString("id")
              + " was modified or damaged");
    }
    return intact ? 0 : 1;
  }

  /** Output lines shown under a failed attempt; `-o json` has the whole kept tail. */
  static final int OUTPUT_LINES = 8;

  static List<String> lastLines(String text, int n) {
    List<String> lines = text.strip().lines().toList();
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  private static String shortId(String workflowId) {
    String[] p = workflowId.split("/");
    return p.length > 4
        ? String.join("/", Arrays.copyOfRange(p, 4, p.length))
        : p.length == 4 ? "operation" : "cluster";
  }
}
