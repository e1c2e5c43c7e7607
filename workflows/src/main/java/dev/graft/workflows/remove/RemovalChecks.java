package dev.graft.workflows.remove;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.plan.RemovalQuorum;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;

/** What a removal checks of etcd and the API, before and after it changes them (pure). */
final class RemovalChecks {
  private RemovalChecks() {}

  /**
   * The live projection: refused (non-retryable) when a removal would lose quorum on what etcd says
   * now.
   */
  static EtcdFacts projected(EtcdFacts f, List<String> removedIds) {
    return projected(f, removedIds, false);
  }

  static EtcdFacts projected(EtcdFacts f, List<String> removedIds, boolean acceptNoFaultTolerance) {
    List<RemovalQuorum.Voter> voters = RemovalQuorum.voters(f.members());
    List<RemovalQuorum.Projection> p =
        RemovalQuorum.project(voters, removedIds, acceptNoFaultTolerance);
    List<String> lines = p.stream().map(RemovalQuorum.Projection::line).toList();
    if (p.stream().anyMatch(x -> !x.allowed())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "etcd now: " + String.join("; ", lines), FailureTypes.REMOVAL_LOSES_QUORUM);
    }
    return new EtcdFacts(
        f.members(),
        f.leaderId(),
        f.table(),
        lines.isEmpty()
            ? "no etcd member to remove; leader " + f.leaderId()
            : String.join("; ", lines) + "; leader " + f.leaderId(),
        f.attempt());
  }

  static StepOutcome verifyEtcd(EtcdFacts f, List<String> removedIds) {
    List<String> problems = new ArrayList<>();
    f.members()
        .forEach(
            m -> {
              if (removedIds.contains(m.id())) {
                problems.add("removed member " + m.id() + " (" + m.name() + ") is still listed");
              } else if (m.learner()) {
                problems.add(m.name() + " is a learner");
              } else if (!m.healthy()) {
                problems.add(m.name() + " (" + m.id() + ") is unhealthy");
              }
            });
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "etcd after the removal: " + String.join("; ", problems),
          FailureTypes.REMOVAL_NOT_VERIFIED);
    }
    return StepOutcome.did(
        f.members().size()
            + " healthy voters ("
            + String.join(", ", f.members().stream().map(m -> m.name() + " " + m.id()).toList())
            + "), leader "
            + f.leaderId(),
        f.table(),
        1);
  }

  static StepOutcome verifyNodes(NodeFacts f, List<String> removing) {
    List<String> still = f.nodes().stream().map(n -> n.name()).filter(removing::contains).toList();
    if (!still.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Nodes still in the API: " + still, FailureTypes.REMOVAL_NOT_VERIFIED);
    }
    return StepOutcome.did(
        "none of " + removing + " is a Node; " + f.nodes().size() + " Node(s) left", "", 1);
  }
}
