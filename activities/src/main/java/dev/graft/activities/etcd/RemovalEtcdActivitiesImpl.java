package dev.graft.activities.etcd;

import static dev.graft.activities.common.ActivityAttempts.attempt;
import static dev.graft.activities.etcd.EtcdFailures.failure;

import dev.graft.activities.common.Liveness;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.ClusterRequest;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdMemberStatus;
import dev.graft.workflows.etcd.MoveLeaderRequest;
import dev.graft.workflows.plan.EtcdMember;
import dev.graft.workflows.plan.RemovalQuorum;
import dev.graft.workflows.remove.EtcdFacts;
import dev.graft.workflows.remove.MemberIdRequest;
import dev.graft.workflows.remove.RemovalEtcdActivities;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's side of a removal, by member id, on the same jetcd clients as the growth's activities.
 * Every change reads the member list first: an id that is gone is already-satisfied, so a worker
 * killed right after etcd removed the member never removes anything twice.
 */
public final class RemovalEtcdActivitiesImpl implements RemovalEtcdActivities {
  private static final Logger LOG = LoggerFactory.getLogger(RemovalEtcdActivitiesImpl.class);
  private static final Pattern HEX_ID = Pattern.compile("^[0-9a-f]{1,16}$");

  private final EtcdActivitiesImpl etcd;

  public RemovalEtcdActivitiesImpl(EtcdActivitiesImpl etcd) {
    this.etcd = etcd;
  }

  static EtcdFacts facts(EtcdClusterStatus s, String summary) {
    List<EtcdMember> members =
        s.members().stream()
            .map(m -> new EtcdMember(m.name(), m.id(), m.peerUrl(), m.healthy(), m.learner()))
            .toList();
    return new EtcdFacts(members, s.leaderId(), s.table(), summary, attempt());
  }

  @Override
  public EtcdFacts observe(ClusterRequest request) {
    EtcdClusterStatus s = etcd.observe(request.etcd());
    return facts(s, s.members().size() + " member(s), leader " + s.leaderId());
  }

  private static String id(MemberIdRequest r) {
    if (r.memberId() == null || !HEX_ID.matcher(r.memberId()).matches()) {
      throw failure(
          "'" + r.memberId() + "' is not an etcd member id (hex)",
          FailureTypes.INVALID_INPUT,
          true,
          "");
    }
    return r.memberId();
  }

  @Override
  public StepOutcome moveLeaderOff(MemberIdRequest request) {
    // Heartbeats while a member's status read waits out its timeout (a frozen or dead member): the
    // step's short heartbeat timeout then tells a dead worker from a slow read.
    try (Liveness alive =
        Liveness.start(
            Activity.getExecutionContext(), () -> "moving etcd leadership off " + request.name())) {
      return leaderOff(request);
    }
  }

  private StepOutcome leaderOff(MemberIdRequest request) {
    String id = id(request);
    EtcdClusterStatus s = etcd.observe(request.etcd());
    String before = s.leaderId();
    if (!id.equals(before)) {
      return StepOutcome.alreadyDone(
          request.name()
              + " ("
              + id
              + ") does not lead etcd: leader "
              + before
              + (s.leader().map(l -> " (" + l.name() + ")").orElse("")),
          s.table(),
          attempt());
    }
    EtcdMemberStatus to =
        s.voters().stream()
            .filter(v -> !v.id().equals(id) && v.healthy() && !request.avoid().contains(v.id()))
            .findFirst()
            .orElseThrow(
                () ->
                    failure(
                        "no healthy voter that stays can take over etcd's leadership from "
                            + request.name(),
                        FailureTypes.ETCD_UNHEALTHY_CLUSTER,
                        false,
                        s.table()));
    etcd.moveLeader(new MoveLeaderRequest(request.cluster(), request.etcd(), to.peerUrl()));
    EtcdClusterStatus after = etcd.observe(request.etcd());
    LOG.info(
        "etcd leadership moved cluster={} from={} ({}) to={} ({}) now={}",
        request.cluster(),
        request.name(),
        id,
        to.name(),
        to.id(),
        after.leaderId());
    if (id.equals(after.leaderId())) {
      throw failure(
          request.name() + " (" + id + ") still leads after the move",
          FailureTypes.ETCD_UNHEALTHY_CLUSTER,
          false,
          after.table());
    }
    return StepOutcome.did(
        "leader "
            + before
            + " ("
            + request.name()
            + ") -> "
            + after.leaderId()
            + after.leader().map(l -> " (" + l.name() + ")").orElse(""),
        after.table(),
        attempt());
  }

  @Override
  public StepOutcome removeMember(MemberIdRequest request) {
    try (Liveness alive =
        Liveness.start(
            Activity.getExecutionContext(),
            () -> "removing etcd member " + request.memberId() + " (" + request.name() + ")")) {
      return memberRemove(request);
    }
  }

  private StepOutcome memberRemove(MemberIdRequest request) {
    String id = id(request);
    EtcdClusterStatus s = etcd.observe(request.etcd());
    EtcdMemberStatus m = s.byId(id).orElse(null);
    if (m == null) {
      return StepOutcome.alreadyDone(
          "member " + id + " (" + request.name() + ") is not in etcd: removed already",
          s.table(),
          attempt());
    }
    if (request.peerUrl() != null && !m.peerUrls().contains(request.peerUrl())) {
      throw failure(
          "member "
              + id
              + " carries "
              + m.peerUrls()
              + ", not "
              + request.peerUrl()
              + " as planned: refusing to remove it",
          FailureTypes.ETCD_MEMBER_ID_MISMATCH,
          true,
          s.table());
    }
    List<RemovalQuorum.Voter> voters =
        s.members().stream()
            .map(
                x ->
                    new RemovalQuorum.Voter(
                        x.id(), x.name().isEmpty() ? x.id() : x.name(), x.healthy(), x.learner()))
            .toList();
    RemovalQuorum.Projection p =
        RemovalQuorum.one(
            voters,
            voters.stream().filter(v -> v.id().equals(id)).findFirst().orElseThrow(),
            request.acceptNoFaultTolerance());
    if (!p.allowed()) {
      throw failure(p.message(), FailureTypes.REMOVAL_LOSES_QUORUM, true, s.table());
    }
    String moved = "";
    if (id.equals(s.leaderId())) {
      // Leadership came back to it after the leader step (an election): hand it over again.
      moved = leaderOff(request).summary() + "; ";
    }
    etcd.removeById(request.etcd(), id, m.label());
    LOG.info(
        "removed etcd member cluster={} member={} id={} peer={}",
        request.cluster(),
        m.name(),
        id,
        m.peerUrl());
    return StepOutcome.did(
        moved + "removed " + m.label() + " (id " + id + ") from etcd; " + p.message(),
        s.table(),
        attempt());
  }
}
