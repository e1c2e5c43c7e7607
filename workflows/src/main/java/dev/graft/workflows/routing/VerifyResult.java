package dev.graft.workflows.routing;

import dev.graft.workflows.step.Observation;
import java.util.List;

/** One row of the reachability matrix: every target pinged from one node's probe. */
public record VerifyResult(
    String source, List<PairResult> pairs, String summary, String outputTail, int attempt)
    implements Observation {
  public VerifyResult {
    pairs = pairs == null ? List.of() : List.copyOf(pairs);
  }

  /** A probe is created, used and removed each time: verification never counts as already done. */
}
