package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;

/**
 * A step on one host: the node, with its SSH settings already layered over the cluster's defaults
 * (references only: key path, known_hosts path, pinned host key).
 */
public record HostRequest(String cluster, NodeSpec node) {}
