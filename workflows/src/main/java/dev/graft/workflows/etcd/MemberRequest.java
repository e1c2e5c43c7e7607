package dev.graft.workflows.etcd;

import dev.graft.workflows.model.EtcdSpec;

/** One member, identified by its peer URL (what makes add, promote and remove idempotent). */
public record MemberRequest(
    String cluster, EtcdSpec etcd, String name, String peerUrl, String clientUrl) {}
