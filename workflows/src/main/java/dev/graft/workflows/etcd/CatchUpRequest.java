package dev.graft.workflows.etcd;

import dev.graft.workflows.model.EtcdSpec;

/**
 * Wait until the learner at {@code peerUrl} answers and its raft index is within {@code maxRaftLag}
 * of the leader's. {@code deadlineMillis} (epoch ms, from workflow time) is the end of the budget:
 * a retried attempt keeps the same deadline.
 */
public record CatchUpRequest(
    String cluster,
    EtcdSpec etcd,
    String name,
    String peerUrl,
    String clientUrl,
    long deadlineMillis,
    long maxRaftLag) {}
