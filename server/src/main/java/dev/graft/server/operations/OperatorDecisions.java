package dev.graft.server.operations;

import dev.graft.server.api.ApiProblem;
import dev.graft.server.temporal.TemporalConnection;
import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.Failures;
import dev.graft.workflows.step.OperatorAction;
import dev.graft.workflows.step.OperatorRequest;
import dev.graft.workflows.step.StepView;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends an operator's decision as the {@code decide} update, to the operation or to one of its
 * children. The workflow's validator has the last word (a rejected decision never enters history);
 * this class only finds the workflow the decision is about.
 */
public final class OperatorDecisions {
  private final OperationReader reader;

  public OperatorDecisions(OperationReader reader) {
    this.reader = reader;
  }

  /** What the POST answers: the workflow the decision went to, and what it recorded. */
  public record Sent(String operationId, String workflowId, OperatorAction action) {}

  public Sent decide(
      String id, Decision decision, String node, String stepId, String reason, String actor) {
    if (OperationReader.describe(temporalOf(), id).isEmpty()) {
      throw ApiProblem.of(
          404,
          "no running operation "
              + id
              + (reader.summary(id).isPresent()
                  ? " (it is queued behind another operation; abort" + " that one or wait)"
                  : ""));
    }
    String target = target(id, decision, node, blankToNull(stepId));
    // Name the step in the request, so that the history says which step the decision was on.
    String step =
        blankToNull(stepId) != null || decision == Decision.ABORT
            ? blankToNull(stepId)
            : onlyWaiting(target);
    OperatorRequest request = new OperatorRequest(step, decision, actor, blankToNull(reason));
    try {
      OperatorAction action = reader.stub(target).update("decide", OperatorAction.class, request);
      return new Sent(id, target, action);
    } catch (WorkflowUpdateException e) {
      throw ApiProblem.of(409, Failures.rootMessage(e));
    } catch (WorkflowNotFoundException e) {
      throw ApiProblem.of(409, target + " is not running (it ended, or has not started yet)");
    } catch (WorkflowServiceException e) {
      throw ApiProblem.of(
          409, decision.wire() + " on " + target + " was not accepted: " + Failures.rootMessage(e));
    }
  }

  private TemporalConnection temporalOf() {
    return reader.temporal();
  }

  /**
   * The workflow to send the decision to: the node's child when a node is named (its join, else its
   * etcd growth, whichever waits), the operation itself for an abort without a node, and otherwise
   * wherever the one waiting step is.
   */
  String target(String id, Decision decision, String node, String stepId) {
    ExpansionProgress progress = reader.stub(id).query("progress", ExpansionProgress.class);
    Map<String, String> children = progress.children() == null ? Map.of() : progress.children();
    if (node != null && !node.isBlank()) {
      List<String> candidates = new ArrayList<>();
      for (Map<String, String> level : List.of(children, nested(children))) {
        // The operation's own children first, then those of an operation inside it (replace's
        // add/NEW).
        for (String key : List.of("node/" + node, "etcd/" + node)) {
          if (level.containsKey(key) && !candidates.contains(level.get(key))) {
            candidates.add(level.get(key));
          }
        }
      }
      if (candidates.isEmpty()) {
        throw ApiProblem.field(
            "node",
            "the operation has no node "
                + node
                + " (its nodes: "
                + children.keySet().stream()
                    .filter(k -> k.startsWith("node/"))
                    .map(k -> k.substring(5))
                    .toList()
                + ")");
      }
      for (String wf : candidates) {
        if (decision == Decision.ABORT || hasWaiting(wf, stepId)) {
          return wf;
        }
      }
      return candidates.get(0); // the validator explains why nothing there waits
    }
    if (decision == Decision.ABORT || hasWaiting(id, stepId)) {
      return id;
    }
    List<String> waiting = new ArrayList<>();
    Map<String, String> all = new LinkedHashMap<>(children);
    all.putAll(nested(children));
    children = all;
    for (Map.Entry<String, String> c : children.entrySet()) {
      if (hasWaiting(c.getValue(), stepId)) {
        waiting.add(c.getKey());
      }
    }
    if (waiting.size() == 1) {
      return children.get(waiting.get(0));
    }
    if (waiting.size() > 1) {
      throw ApiProblem.of(
          409,
          "several children wait for a decision ("
              + String.join(", ", waiting)
              + "): name one with ?node=");
    }
    return id; // nothing waits anywhere: the operation's validator says so
  }

  /**
   * The children of the operations this one runs inside it (a replacement's {@code add/NEW}
   * expansion: its node joins), keyed as that operation keys them; empty when there are none.
   */
  private Map<String, String> nested(Map<String, String> children) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> c : children.entrySet()) {
      if (!c.getKey().startsWith("add/")) {
        continue;
      }
      try {
        ExpansionProgress p = reader.stub(c.getValue()).query("progress", ExpansionProgress.class);
        if (p.children() != null) {
          p.children().forEach(out::putIfAbsent);
        }
      } catch (RuntimeException notStartedOrGone) {
        // nothing there to decide on
      }
    }
    return out;
  }

  /** The id of the one step waiting there, or null (none, or several: the validator says so). */
  private String onlyWaiting(String workflowId) {
    try {
      List<String> waiting =
          reader.steps(workflowId).stream()
              .filter(OperationReader::waiting)
              .map(StepView::id)
              .toList();
      return waiting.size() == 1 ? waiting.get(0) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private boolean hasWaiting(String workflowId, String stepId) {
    try {
      for (StepView s : reader.steps(workflowId)) {
        if (OperationReader.waiting(s) && (stepId == null || stepId.equals(s.id()))) {
          return true;
        }
      }
    } catch (RuntimeException e) {
      return false; // not started, or gone: nothing there waits
    }
    return false;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
