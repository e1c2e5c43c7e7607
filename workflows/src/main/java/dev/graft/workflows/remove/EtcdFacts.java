package dev.graft.workflows.remove;

import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.step.Observation;
import java.util.List;

/**
 * etcd's members with their health and the leader, as one read saw them; {@code table} for people.
 */
public record EtcdFacts(
    List<EtcdMember> members, String leaderId, String table, String summary, int attempt)
    implements Observation {
  public EtcdFacts {
    members = members == null ? List.of() : List.copyOf(members);
  }

  @Override
  public String outputTail() {
    return table;
  }
}
