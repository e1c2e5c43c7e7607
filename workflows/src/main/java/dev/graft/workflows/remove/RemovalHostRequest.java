package dev.graft.workflows.remove;

import dev.graft.workflows.model.NodeSpec;

/** A removal's step on one host, over SSH. */
public record RemovalHostRequest(String cluster, String operationId, NodeSpec node) {}
