package dev.graft.workflows.upgrade;

import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/** A cluster-wide read during an upgrade's pre-checks or its verification. */
public record UpgradeClusterRequest(
    String cluster, String kubeconfig, List<NodeSpec> nodes, String to) {}
