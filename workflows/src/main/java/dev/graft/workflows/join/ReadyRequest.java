package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;
import java.time.Duration;

/** Wait for a Node to be Ready (heartbeating), then uncordon it and apply its labels and taints. */
public record ReadyRequest(String cluster, String kubeconfig, NodeSpec node, Duration timeout) {}
