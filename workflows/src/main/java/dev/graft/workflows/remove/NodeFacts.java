package dev.graft.workflows.remove;

import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.step.Observation;
import java.util.List;

/** The Nodes the API has and which of them are Ready. */
public record NodeFacts(List<ObservedNode> nodes, List<String> ready, String summary, int attempt)
    implements Observation {
  public NodeFacts {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    ready = ready == null ? List.of() : List.copyOf(ready);
  }

  @Override
  public String outputTail() {
    return "";
  }
}
