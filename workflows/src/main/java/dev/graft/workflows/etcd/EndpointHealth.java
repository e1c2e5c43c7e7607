package dev.graft.workflows.etcd;

/**
 * Health of one client endpoint, as {@code etcdctl endpoint health} measures it: a linearizable
 * read through that endpoint answered within the timeout.
 */
public record EndpointHealth(String endpoint, boolean healthy, long tookMillis, String error) {}
