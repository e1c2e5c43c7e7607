package dev.graft.workflows.etcd;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;

/**
 * One etcd member as the member list and its own status answer describe it.
 *
 * @param id member id in hex
 * @param name empty for a member that was added but never started
 * @param reachable its status answered within the call timeout
 * @param leaderId the leader it sees, in hex; null when it sees none or did not answer
 * @param raftIndex its raft index (learners included), 0 when it did not answer
 * @param alarms alarms raised on this member (NOSPACE, CORRUPT)
 * @param errors errors its status reports
 * @param endpointHealthy a linearizable read through its client URL answered in time; null for
 *     learners, which refuse such reads by design
 * @param problem why it did not answer, or null
 */
public record EtcdMemberStatus(
    String id,
    String name,
    List<String> peerUrls,
    List<String> clientUrls,
    boolean learner,
    boolean reachable,
    String leaderId,
    long raftIndex,
    long raftTerm,
    long dbSize,
    String version,
    List<String> alarms,
    List<String> errors,
    Boolean endpointHealthy,
    String problem) {
  public EtcdMemberStatus {
    name = name == null ? "" : name;
    peerUrls = peerUrls == null ? List.of() : List.copyOf(peerUrls);
    clientUrls = clientUrls == null ? List.of() : List.copyOf(clientUrls);
    alarms = alarms == null ? List.of() : List.copyOf(alarms);
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  /** A member that was added but never started has no name and no client URL yet. */
  @JsonIgnore
  public boolean started() {
    return !name.isEmpty() && !clientUrls.isEmpty();
  }

  @JsonIgnore
  public String peerUrl() {
    return peerUrls.isEmpty() ? null : peerUrls.get(0);
  }

  @JsonIgnore
  public String clientUrl() {
    return clientUrls.isEmpty() ? null : clientUrls.get(0);
  }

  @JsonIgnore
  public boolean isLeader() {
    return id != null && id.equals(leaderId);
  }

  /** Why this member is not healthy; empty when it is. */
  @JsonIgnore
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (!started()) {
      p.add("never started (no name, no client URL)");
      return p;
    }
    if (!reachable) {
      p.add("status did not answer" + (problem == null ? "" : ": " + problem));
      return p;
    }
    if (leaderId == null) {
      p.add("sees no leader");
    }
    for (String a : alarms) {
      p.add("alarm " + a);
    }
    for (String e : errors) {
      p.add("error " + e);
    }
    if (!learner && Boolean.FALSE.equals(endpointHealthy)) {
      p.add("endpoint " + clientUrl() + " failed a read" + (problem == null ? "" : ": " + problem));
    }
    return p;
  }

  @JsonIgnore
  public boolean healthy() {
    return problems().isEmpty();
  }

  /** How messages name it: "k8s-node3 (https://10.0.0.13:2380)". */
  @JsonIgnore
  public String label() {
    String n = name.isEmpty() ? "unstarted member " + id : name;
    return n + " (" + (peerUrl() == null ? "no peer URL" : peerUrl()) + ")";
  }
}
