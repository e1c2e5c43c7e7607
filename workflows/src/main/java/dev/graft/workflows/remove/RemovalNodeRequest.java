package dev.graft.workflows.remove;

import dev.graft.workflows.model.NodeSpec;
import java.time.Duration;

/** A removal's step on one Node through the API; {@code timeout} bounds a drain. */
public record RemovalNodeRequest(
    String cluster, String kubeconfig, NodeSpec node, Duration timeout) {}
