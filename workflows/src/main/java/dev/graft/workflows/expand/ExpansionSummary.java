package dev.graft.workflows.expand;

import dev.graft.workflows.expand.ExpansionResult.NodeSummary;
import dev.graft.workflows.expand.ExpansionResult.StepCounts;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepKind;
import dev.graft.workflows.step.StepView;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The summary in the manner of MetalK8s's (pure): step counts over the expansion's own steps and
 * every child's, for the whole run and per node, and the time taken.
 *
 * <p>The expansion's steps that stand for a child (its {@code node/<name>} join, {@code routing})
 * are not counted themselves: the child's steps are, so nothing is counted twice. Approval gates
 * are decisions, not work, and are not counted.
 */
public final class ExpansionSummary {
  private ExpansionSummary() {}

  /**
   * @param own the expansion's steps
   * @param wrappers ids of own steps that stand for a child
   * @param children every child's steps, by child
   * @param newNodes the nodes the plan adds, in its order
   * @param excluded nodes left out because their pre-checks failed
   * @param skipped nodes whose join an operator skipped
   * @param did a node's outcome in the operation's verb: "joined", "upgraded"
   * @param already the same when its work was found done: "already-joined", "already-upgraded"
   */
  public static ExpansionResult of(
      String id,
      OperationOutcome outcome,
      String message,
      List<StepView> own,
      Set<String> wrappers,
      Map<String, List<StepView>> children,
      List<String> newNodes,
      Collection<String> excluded,
      Collection<String> skipped,
      long durationMillis,
      String did,
      String already) {
    List<StepView> all = new ArrayList<>();
    for (StepView s : own) {
      if (!wrappers.contains(s.id()) && s.kind() != StepKind.GATE) {
        all.add(s);
      }
    }
    children.values().forEach(all::addAll);
    List<NodeSummary> nodes = new ArrayList<>();
    for (String n : newNodes) {
      List<StepView> mine = all.stream().filter(s -> n.equals(s.node())).toList();
      String nodeOutcome =
          excluded.contains(n)
              ? "excluded"
              : skipped.contains(n) ? "skipped" : nodeOutcome(own, n, outcome, did, already);
      nodes.add(new NodeSummary(n, nodeOutcome, count(mine), span(mine), work(mine)));
    }
    return new ExpansionResult(id, outcome, message, count(all), nodes, durationMillis);
  }

  /** From the node's join step: joined, already-joined, aborted, failed or not-started. */
  private static String nodeOutcome(
      List<StepView> own, String node, OperationOutcome run, String did, String already) {
    StepView join =
        own.stream().filter(s -> s.id().equals("node/" + node)).findFirst().orElse(null);
    if (join == null) {
      return "not-started";
    }
    return switch (join.state()) {
      case SUCCEEDED -> did;
      case ALREADY_SATISFIED -> already;
      case SKIPPED -> "skipped";
      case PENDING -> "not-started";
      default -> run == OperationOutcome.ABORTED ? "aborted" : "failed";
    };
  }

  public static StepCounts count(List<StepView> steps) {
    int ok = 0;
    int already = 0;
    int failed = 0;
    int skipped = 0;
    for (StepView s : steps) {
      switch (s.state()) {
        case SUCCEEDED -> ok++;
        case ALREADY_SATISFIED -> already++;
        case FAILED, NEEDS_ATTENTION -> failed++;
        case SKIPPED -> skipped++;
        default -> {}
      }
    }
    return new StepCounts(ok, already, failed, skipped);
  }

  /** The steps' durations added (steps still running or never run count 0). */
  private static long work(List<StepView> steps) {
    long sum = 0;
    for (StepView s : steps) {
      if (s.startedAtMillis() != null && s.endedAtMillis() != null) {
        sum += Math.max(0, s.endedAtMillis() - s.startedAtMillis());
      }
    }
    return sum;
  }

  /** From the first start to the last end of the steps (0 when none ran). */
  private static long span(List<StepView> steps) {
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (StepView s : steps) {
      if (s.startedAtMillis() != null) {
        first = Math.min(first, s.startedAtMillis());
      }
      if (s.endedAtMillis() != null) {
        last = Math.max(last, s.endedAtMillis());
      }
    }
    return first == Long.MAX_VALUE || last == Long.MIN_VALUE ? 0 : Math.max(0, last - first);
  }
}
