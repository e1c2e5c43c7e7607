package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;

/**
 * A change to a Node object through the Kubernetes API.
 *
 * @param kubeconfig path of the admin kubeconfig on the worker (a reference)
 */
public record NodeObjectRequest(String cluster, String kubeconfig, NodeSpec node) {}
