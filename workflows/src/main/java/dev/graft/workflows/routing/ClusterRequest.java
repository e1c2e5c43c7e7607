package dev.graft.workflows.routing;

/** A read of the cluster through the API; {@code kubeconfig} is a path on the worker. */
public record ClusterRequest(String cluster, String kubeconfig) {}
