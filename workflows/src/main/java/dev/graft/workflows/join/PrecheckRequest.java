package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/**
 * The pre-checks of one node.
 *
 * @param otherHostnames hostnames of the cluster's other nodes (the new node's must be unique)
 * @param serviceCidr no route on the node may overlap it
 * @param clockReference an existing control-plane node to compare clocks with; may be null
 */
public record PrecheckRequest(
    String cluster,
    NodeSpec node,
    List<String> otherHostnames,
    String serviceCidr,
    NodeSpec clockReference,
    ExecutionPolicy policy) {}
