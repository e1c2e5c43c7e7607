package dev.graft.workflows.plan;

/** One static pod route: {@code ip route replace <destination> via <via>}, to {@code viaNode}. */
public record Route(String destination, String via, String viaNode) {}
