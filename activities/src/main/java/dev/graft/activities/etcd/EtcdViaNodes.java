package dev.graft.activities.etcd;

import static dev.graft.activities.common.ActivityAttempts.attempt;
import static dev.graft.activities.etcd.EtcdFailures.failure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.CatchUpRequest;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdMemberStatus;
import dev.graft.workflows.etcd.MemberRequest;
import dev.graft.workflows.etcd.MemberResult;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership calls of {@link EtcdActivitiesImpl} when the worker has no etcd client files
 * ({@link EtcdSpec#viaNodes()}): each goes through an existing control-plane node over SSH, with
 * the etcd client certificate its kube-apiserver uses ({@link EtcdThroughNode}), so no key leaves
 * its node. The nodes are tried in order; the next one is used only when a node cannot be reached
 * or its etcd servers do not answer, never after etcd refused a change.
 */
final class EtcdViaNodes {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdViaNodes.class);

  private final EtcdThroughNode etcd;

  EtcdViaNodes(EtcdThroughNode etcd) {
    this.etcd = etcd;
  }

  /**
   * The member list with every member's status, alarms and /health, through the first node that
   * answers.
   */
  EtcdClusterStatus observe(EtcdSpec spec) {
    return onSomeNode(spec, etcd::status);
  }

  private <T> T onSomeNode(EtcdSpec spec, Function<NodeSpec, T> call) {
    ApplicationFailure last = null;
    for (NodeSpec via : spec.through()) {
      try {
        return call.apply(via);
      } catch (ApplicationFailure f) {
        if (f.isNonRetryable() && !FailureTypes.isSsh(f.getType())) {
          throw f;
        }
        LOG.info(
            "etcd not reachable through node={}: {}; trying the next",
            via.name(),
            f.getOriginalMessage());
        last = f;
      }
    }
    if (last == null) {
      throw failure(
          "no control-plane node to reach etcd through", FailureTypes.INVALID_INPUT, true, "");
    }
    throw last;
  }

  MemberResult addLearner(MemberRequest request) {
    EtcdClusterStatus before = observe(request.etcd());
    EtcdMemberStatus existing = before.byPeerUrl(request.peerUrl()).orElse(null);
    if (existing != null) {
      return LearnerResults.alreadyMember(
          request, existing.id(), existing.learner(), initialCluster(before.members(), request));
    }
    String body =
        "{\"peerURLs\":[" + EtcdThroughNode.jsonString(request.peerUrl()) + "],\"isLearner\":true}";
    JsonNode answer =
        onSomeNode(
            request.etcd(),
            via -> etcd.call(via, "etcd member add", "/v3/cluster/member/add", body, null));
    refused(answer, "add learner " + request.name());
    String id = EtcdThroughNode.hex(answer.path("member").path("ID").asText("0"));
    LOG.info(
        "added etcd learner through a node cluster={} member={} id={}",
        request.cluster(),
        request.name(),
        id);
    EtcdClusterStatus after = observe(request.etcd());
    return LearnerResults.added(request, id, initialCluster(after.members(), request));
  }

  StepOutcome awaitCaughtUp(CatchUpRequest request) {
    long stopAt = request.deadlineMillis() - 1000;
    String last;
    while (true) {
      String observed;
      try {
        EtcdClusterStatus s = observe(request.etcd());
        EtcdMemberStatus m =
            s.byPeerUrl(request.peerUrl())
                .orElseThrow(
                    () ->
                        failure(
                            request.name()
                                + " ("
                                + request.peerUrl()
                                + ") is not a member: nothing to wait for",
                            FailureTypes.ETCD_MEMBER_MISSING,
                            true,
                            ""));
        if (!m.learner()) {
          return StepOutcome.alreadyDone(request.name() + " is already a voter", "", attempt());
        }
        EtcdMemberStatus leader = s.leader().orElse(null);
        if (!m.reachable() || leader == null) {
          observed = "learner " + (m.reachable() ? "sees no leader" : "does not answer yet");
        } else {
          long lag = leader.raftIndex() - m.raftIndex();
          observed =
              "learner raft index "
                  + m.raftIndex()
                  + ", leader "
                  + leader.name()
                  + " "
                  + leader.raftIndex()
                  + " (lag "
                  + lag
                  + ", bound "
                  + request.maxRaftLag()
                  + ")";
          if (lag <= request.maxRaftLag()) {
            return StepOutcome.did(request.name() + " caught up: " + observed, "", attempt());
          }
        }
      } catch (ApplicationFailure f) {
        if (f.isNonRetryable()) {
          throw f;
        }
        observed = f.getOriginalMessage();
      }
      last = observed;
      EtcdFailures.nextCatchUpPoll(request.name(), last, stopAt);
    }
  }

  StepOutcome promote(MemberRequest request) {
    EtcdMemberStatus m =
        observe(request.etcd())
            .byPeerUrl(request.peerUrl())
            .orElseThrow(
                () ->
                    failure(
                        request.name()
                            + " ("
                            + request.peerUrl()
                            + ") is not a member: cannot promote",
                        FailureTypes.ETCD_MEMBER_MISSING,
                        true,
                        ""));
    if (!m.learner()) {
      return StepOutcome.alreadyDone(
          request.name() + " (" + m.id() + ") is already a voter", "", attempt());
    }
    String body = "{\"ID\":\"" + EtcdThroughNode.decimal(m.id()) + "\"}";
    refused(
        onSomeNode(
            request.etcd(),
            via -> etcd.call(via, "etcd member promote", "/v3/cluster/member/promote", body, null)),
        "promote " + request.name());
    return StepOutcome.did(
        "promoted " + request.name() + " (" + m.id() + ") to voter", "", attempt());
  }

  StepOutcome remove(MemberRequest request) {
    EtcdClusterStatus s = observe(request.etcd());
    EtcdMemberStatus m = s.byPeerUrl(request.peerUrl()).orElse(null);
    if (m == null) {
      return StepOutcome.alreadyDone(
          request.name() + " (" + request.peerUrl() + ") is not a member", "", attempt());
    }
    String moved = "";
    if (!m.learner() && m.id().equals(s.leaderId())) {
      moved = moveLeader(request.etcd(), s, null).summary() + "; ";
    }
    removeById(request.etcd(), m.id());
    return StepOutcome.did(
        moved + "removed " + request.name() + " (" + m.id() + ") from etcd", "", attempt());
  }

  void removeById(EtcdSpec spec, String id) {
    onSomeNode(
        spec,
        via -> {
          etcd.remove(via, id);
          return null;
        });
  }

  StepOutcome moveLeader(EtcdSpec spec, EtcdClusterStatus status, String toPeerUrl) {
    LeaderMove move = LeaderMove.plan(status, toPeerUrl);
    EtcdMemberStatus leader = move.leader();
    EtcdMemberStatus to = move.to();
    if (move.done()) {
      return StepOutcome.alreadyDone(to.label() + " already leads", "", attempt());
    }
    // etcd takes a leadership transfer only from the current leader.
    String body = "{\"targetID\":\"" + EtcdThroughNode.decimal(to.id()) + "\"}";
    refused(
        onSomeNode(
            spec,
            via ->
                etcd.call(
                    via,
                    "etcd move leader",
                    "/v3/maintenance/transfer-leadership",
                    body,
                    leader.clientUrl())),
        "move leader to " + to.name());
    return StepOutcome.did(
        "moved leadership from " + leader.name() + " to " + to.name(), "", attempt());
  }

  /** etcd's refusal as the failure type {@link EtcdActivitiesImpl} gives it through jetcd. */
  private static void refused(JsonNode answer, String what) {
    String error = EtcdThroughNode.error(answer);
    if (error == null) {
      return;
    }
    String lower = error.toLowerCase(Locale.ROOT);
    String type =
        lower.contains("in sync with leader")
            ? FailureTypes.ETCD_LEARNER_NOT_IN_SYNC
            : lower.contains("unhealthy cluster") || lower.contains("too many learner")
                ? FailureTypes.ETCD_UNHEALTHY_CLUSTER
                : lower.contains("member not found")
                    ? FailureTypes.ETCD_MEMBER_MISSING
                    : FailureTypes.ETCD_ERROR;
    throw failure(
        "etcd " + what + ": " + error, type, FailureTypes.ETCD_MEMBER_MISSING.equals(type), "");
  }

  private static List<String> initialCluster(List<EtcdMemberStatus> members, MemberRequest self) {
    return LearnerResults.initialCluster(
        members, EtcdMemberStatus::peerUrl, EtcdMemberStatus::name, self);
  }
}
