package dev.graft.workflows.etcd;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Optional;

/**
 * What etcd said, at one moment: every member with its status and endpoint health.
 *
 * @param leaderId the leader most answering members agree on, in hex; null if none answered
 */
public record EtcdClusterStatus(List<EtcdMemberStatus> members, String leaderId) {
  public EtcdClusterStatus {
    members = members == null ? List.of() : List.copyOf(members);
  }

  @JsonIgnore
  public List<EtcdMemberStatus> voters() {
    return members.stream().filter(m -> !m.learner()).toList();
  }

  @JsonIgnore
  public List<EtcdMemberStatus> learners() {
    return members.stream().filter(EtcdMemberStatus::learner).toList();
  }

  public Optional<EtcdMemberStatus> byPeerUrl(String peerUrl) {
    return members.stream().filter(m -> m.peerUrls().contains(peerUrl)).findFirst();
  }

  public Optional<EtcdMemberStatus> byId(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  @JsonIgnore
  public Optional<EtcdMemberStatus> leader() {
    return leaderId == null ? Optional.empty() : byId(leaderId);
  }

  /** One line per member, for step output: name, role, health, raft index. */
  public String table() {
    StringBuilder b = new StringBuilder();
    for (EtcdMemberStatus m : members) {
      b.append(m.label())
          .append(m.learner() ? " learner" : " voter")
          .append(m.isLeader() ? " leader" : "")
          .append(" raft=")
          .append(m.raftIndex())
          .append(m.healthy() ? " healthy" : " UNHEALTHY: " + String.join("; ", m.problems()))
          .append('\n');
    }
    return b.toString();
  }
}
