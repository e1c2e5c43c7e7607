package dev.graft.workflows.remove;

/** The cluster's Nodes, read through the kubeconfig (a path the worker resolves). */
public record ClusterNodesRequest(String cluster, String kubeconfig) {}
