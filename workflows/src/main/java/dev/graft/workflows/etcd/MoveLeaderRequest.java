package dev.graft.workflows.etcd;

import dev.graft.workflows.model.EtcdSpec;

/** Hands leadership to the voter at {@code toPeerUrl}, or to any other healthy voter if null. */
public record MoveLeaderRequest(String cluster, EtcdSpec etcd, String toPeerUrl) {}
