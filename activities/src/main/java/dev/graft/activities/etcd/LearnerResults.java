package dev.graft.activities.etcd;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.workflows.etcd.MemberRequest;
import dev.graft.workflows.etcd.MemberResult;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What adding a learner answers, alike whether etcd is reached with the client files or through a
 * control-plane node: the member's id and the {@code --initial-cluster} the new member starts with.
 */
final class LearnerResults {
  private LearnerResults() {}

  /** The member was there already (an earlier attempt added it): nothing is added again. */
  static MemberResult alreadyMember(
      MemberRequest request, String id, boolean learner, List<String> initialCluster) {
    return new MemberResult(
        true,
        request.name()
            + " is already a member ("
            + id
            + (learner ? ", learner" : ", voter")
            + "): not added again",
        id,
        initialCluster,
        "",
        attempt());
  }

  static MemberResult added(MemberRequest request, String id, List<String> initialCluster) {
    return new MemberResult(
        false, "added " + request.name() + " as learner " + id, id, initialCluster, "", attempt());
  }

  /**
   * {@code name=peerUrl} of every member with a peer URL, the new member under the name the request
   * gives it (etcd knows no name for it until it starts); members without a name left out.
   */
  static <M> List<String> initialCluster(
      List<M> members, Function<M, String> peerUrl, Function<M, String> name, MemberRequest self) {
    List<String> out = new ArrayList<>();
    for (M m : members) {
      String peer = peerUrl.apply(m);
      if (peer == null) {
        continue;
      }
      String n = peer.equals(self.peerUrl()) ? self.name() : name.apply(m);
      if (n != null && !n.isEmpty()) {
        out.add(n + "=" + peer);
      }
    }
    return out;
  }
}
