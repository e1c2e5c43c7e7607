package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.ExecutionPolicy;
import java.util.List;

/**
 * The pre-checks of one node.
 *
 * @param otherHostnames hostnames of other nodes the node's must differ from. Its hostname must
 *     also equal its inventory name, so an expansion passes only the other nodes that hold that
 *     same name (normally none) rather than every node's: a list of n names in each of n requests
 *     grows an expansion's history as n²
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
