package dev.graft.activities.etcd;

import static dev.graft.activities.etcd.EtcdFailures.failure;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdMemberStatus;

/**
 * Who leads etcd now and who should lead after a leadership transfer: the member at {@code
 * toPeerUrl} when one is named, else the first other healthy voter. Both routes to etcd (jetcd with
 * client files, or through a node) decide it here and only send the transfer their own way.
 */
record LeaderMove(EtcdMemberStatus leader, EtcdMemberStatus to) {
  static LeaderMove plan(EtcdClusterStatus status, String toPeerUrl) {
    EtcdMemberStatus leader =
        status
            .leader()
            .orElseThrow(
                () ->
                    failure(
                        "etcd has no leader to move",
                        FailureTypes.ETCD_UNAVAILABLE,
                        false,
                        status.table()));
    EtcdMemberStatus to =
        toPeerUrl != null
            ? status
                .byPeerUrl(toPeerUrl)
                .orElseThrow(
                    () ->
                        failure(
                            toPeerUrl + " is not a member",
                            FailureTypes.ETCD_MEMBER_MISSING,
                            true,
                            status.table()))
            : status.voters().stream()
                .filter(v -> !v.id().equals(leader.id()) && v.healthy())
                .findFirst()
                .orElseThrow(
                    () ->
                        failure(
                            "no other healthy voter to lead",
                            FailureTypes.ETCD_UNHEALTHY_CLUSTER,
                            false,
                            status.table()));
    return new LeaderMove(leader, to);
  }

  /** The target already leads: nothing to transfer. */
  boolean done() {
    return to.id().equals(leader.id());
  }
}
