package dev.graft.activities.routing;

import dev.graft.workflows.routing.PairResult;
import dev.graft.workflows.routing.ProbeTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the probe script's output: one "==> ADDRESS" block of `ping -q` summary per target. */
final class ProbeOutput {
  private static final Pattern COUNTS =
      Pattern.compile("(\\d+) packets transmitted, (\\d+) received");
  private static final Pattern RTT = Pattern.compile("= [0-9.]+/([0-9.]+)/[0-9.]+/[0-9.]+ ms");

  private ProbeOutput() {}

  static List<PairResult> parse(String source, List<ProbeTarget> targets, String stdout) {
    Map<String, StringBuilder> blocks = new LinkedHashMap<>();
    StringBuilder current = null;
    for (String line : stdout.split("\n")) {
      if (line.startsWith("==> ")) {
        current = new StringBuilder();
        blocks.put(line.substring(4).strip(), current);
      } else if (current != null) {
        current.append(line).append('\n');
      }
    }
    List<PairResult> pairs = new ArrayList<>();
    for (ProbeTarget t : targets) {
      StringBuilder block = blocks.get(t.address());
      if (block == null) {
        pairs.add(new PairResult(source, t.node(), t.address(), false, "no result from the probe"));
        continue;
      }
      Matcher c = COUNTS.matcher(block);
      if (!c.find()) {
        String first = block.toString().strip().lines().findFirst().orElse("no output");
        pairs.add(new PairResult(source, t.node(), t.address(), false, "ping failed: " + first));
        continue;
      }
      int sent = Integer.parseInt(c.group(1));
      int received = Integer.parseInt(c.group(2));
      Matcher rtt = RTT.matcher(block);
      String detail =
          received + "/" + sent + " replies" + (rtt.find() ? ", avg " + rtt.group(1) + " ms" : "");
      pairs.add(new PairResult(source, t.node(), t.address(), received > 0, detail));
    }
    return pairs;
  }

  /**
   * The row as text, for the step's output: "k8s-node1 -> k8s-node2 10.244.1.10 ok 3/3 replies".
   */
  static String render(List<PairResult> pairs) {
    StringBuilder s = new StringBuilder();
    for (PairResult p : pairs) {
      s.append(p.from())
          .append(" -> ")
          .append(p.to())
          .append(' ')
          .append(p.address())
          .append(p.reachable() ? "  ok  " : "  UNREACHABLE  ")
          .append(p.detail())
          .append('\n');
    }
    return s.toString();
  }
}
