package dev.graft.workflows.routing;

/** A test address in a node's pod CIDR that a verification pings. */
public record ProbeTarget(String node, String address) {}
