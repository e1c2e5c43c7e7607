package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.workflows.step.StepKind;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws an operation as {@code GET /api/v1/operations/{id}} returns it: a header line, one line per
 * node (and per other child, and the operation's own steps) with a progress bar, the step it is at
 * and that step's state, then the summary and the commands to run next.
 */
final class ProgressText {
  static final int BAR = 20;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private ProgressText() {}

  static String header(JsonNode op) {
    return op.path("id").asText()
        + "  "
        + op.path("state").asText()
        + (op.hasNonNull("upgrade")
            ? "  " + op.at("/upgrade/from").asText() + " -> " + op.at("/upgrade/to").asText()
            : "")
        + (op.hasNonNull("phase") ? "  phase " + op.get("phase").asText() : "")
        + (op.hasNonNull("requestedBy")
            ? "  (requested by " + op.get("requestedBy").asText() + ")"
            : "");
  }

  /** One line per child and one for the operation's own steps, in a stable order. */
  static List<String> lines(JsonNode op) {
    List<String> out = new ArrayList<>();
    if (op.path("steps").size() > 0) {
      out.add(line("operation", op.get("steps")));
    }
    for (JsonNode c : op.path("children")) {
      String label = c.path("key").asText();
      if (label.startsWith("node/")) {
        label = label.substring(5);
      }
      out.add(line(label, c.path("steps")));
    }
    return out;
  }

  static String line(String label, JsonNode steps) {
    int total = steps.size();
    int done = 0;
    JsonNode current = null;
    for (JsonNode s : steps) {
      String st = s.path("state").asText();
      if (st.equals("succeeded") || st.equals("already-satisfied") || st.equals("skipped")) {
        done++;
      } else if (current == null) {
        current = s;
      }
    }
    int filled = total == 0 ? 0 : done * BAR / total;
    String bar = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "]";
    String where;
    if (total == 0) {
      where = "pending";
    } else if (current == null) {
      where = "done";
    } else {
      where = current.path("name").asText() + " " + current.path("state").asText();
      if ("needs-attention".equals(current.path("state").asText())) {
        where +=
            StepKind.GATE.wire().equals(current.path("kind").asText())
                ? " (waiting for approval)"
                : ": " + current.path("error").asText("");
      } else if ("running".equals(current.path("state").asText())
          && current.path("attempts").asInt() > 0) {
        // A retry in progress: which attempt, and why the last one failed.
        JsonNode history = current.path("attemptHistory");
        JsonNode last = history.size() == 0 ? null : history.get(history.size() - 1);
        where +=
            " (attempt "
                + (current.path("attempts").asInt() + 1)
                + (last != null && last.hasNonNull("error")
                    ? " after: " + clip(last.get("error").asText(), 80)
                    : "")
                + ")";
      }
    }
    return String.format("  %-14s %s %d/%d  %s", label, bar, done, total, where);
  }

  private static String clip(String s, int n) {
    String one = s.replace('\n', ' ');
    return one.length() <= n ? one : one.substring(0, n - 1) + "…";
  }

  /** The end: how it ended, step counts per node, time taken, what to do next. */
  static String summary(JsonNode op) {
    StringBuilder b = new StringBuilder();
    b.append(op.path("id").asText()).append(": ").append(op.path("state").asText());
    if (op.hasNonNull("message")) {
      b.append(" — ").append(op.get("message").asText());
    }
    b.append('\n');
    JsonNode r = op.path("result");
    if (r.path("nodes").size() > 0 && r.hasNonNull("total")) {
      // The workflow's own summary: every step (its own and its children's) counted once, per
      // node with the node's outcome and the time from its first step's start to its last's end.
      for (JsonNode n : r.get("nodes")) {
        b.append(
            String.format(
                "  %-14s %-15s %s; steps ran %.1f s (first to last %.1f s)%n",
                n.path("node").asText(),
                outcome(op, n.path("outcome").asText()),
                countText(n.path("steps")),
                n.path("workMillis").asLong() / 1000.0,
                n.path("durationMillis").asLong() / 1000.0));
      }
      // What the verification found, in its own words (nodes Ready, etcd voters, routes).
      for (JsonNode s : op.path("steps")) {
        String id = s.path("id").asText();
        if ((id.startsWith("verify/") || id.equals("routing"))
            && s.hasNonNull("summary")
            && List.of("succeeded", "already-satisfied").contains(s.path("state").asText())) {
          b.append(String.format("  verified: %s%n", s.get("summary").asText()));
        }
      }
      b.append("  all steps: ").append(countText(r.get("total")));
    } else {
      int[] all = new int[5];
      for (JsonNode c : op.path("children")) {
        int[] n = counts(c.path("steps"));
        for (int i = 0; i < all.length; i++) {
          all[i] += n[i];
        }
        b.append(
            String.format(
                "  %-14s %s%n", c.path("key").asText().replaceFirst("^node/", ""), countText(n)));
      }
      b.append("  steps: ").append(countText(all));
    }
    if (r.hasNonNull("durationMillis")) {
      b.append(String.format("; took %.1f s", r.get("durationMillis").asLong() / 1000.0));
    }
    b.append('\n');
    if (op.path("next").size() > 0) {
      b.append("next:\n");
      op.get("next").forEach(n -> b.append("  ").append(n.asText()).append('\n'));
    } else if ("failed".equals(op.path("state").asText())) {
      b.append("next: read `graft history ")
          .append(op.path("id").asText())
          .append("` for what failed, fix it, and ")
          .append(op.hasNonNull("upgrade") ? "upgrade" : "expand")
          .append(" again with a new request id\n");
    }
    return b.toString();
  }

  /**
   * A node's outcome as the workflow names it; an upgrade's "already-upgraded" reads "already at
   * v1.31.0". Outcomes this CLI does not know are printed as they come.
   */
  static String outcome(JsonNode op, String outcome) {
    if ("already-upgraded".equals(outcome) && op.hasNonNull("upgrade")) {
      return "already at " + op.at("/upgrade/to").asText();
    }
    return outcome;
  }

  private static int[] counts(JsonNode steps) {
    int[] n = new int[5]; // succeeded, already-satisfied, skipped, failed/needs-attention, other
    for (JsonNode s : steps) {
      switch (s.path("state").asText()) {
        case "succeeded" -> n[0]++;
        case "already-satisfied" -> n[1]++;
        case "skipped" -> n[2]++;
        case "failed", "needs-attention" -> n[3]++;
        default -> n[4]++;
      }
    }
    return n;
  }

  /** A StepCounts object as the workflow's result carries it. */
  private static String countText(JsonNode c) {
    return countText(
        new int[] {
          c.path("succeeded").asInt(),
          c.path("alreadySatisfied").asInt(),
          c.path("skipped").asInt(),
          c.path("failed").asInt(),
          0
        });
  }

  private static String countText(int[] n) {
    return n[0]
        + " succeeded, "
        + n[1]
        + " already satisfied, "
        + n[2]
        + " skipped, "
        + n[3]
        + " failed"
        + (n[4] > 0 ? ", " + n[4] + " not run" : "");
  }

  static String time(JsonNode millis) {
    return millis == null || millis.isNull() || millis.isMissingNode()
        ? "        "
        : TIME.format(Instant.ofEpochMilli(millis.asLong()));
  }

  /** 0 done; 2 an operator must act; 1 failed or aborted; 0 while queued or running. */
  static int exitCode(String state) {
    return switch (state) {
      case "needs-attention", "waiting-approval" -> 2;
      case "failed", "aborted" -> 1;
      default -> 0;
    };
  }

  /** Whether a watcher stops here: the operation ended, or waits for an operator. */
  static boolean settled(String state) {
    return switch (state) {
      case "done", "failed", "aborted", "needs-attention", "waiting-approval" -> true;
      default -> false;
    };
  }
}
