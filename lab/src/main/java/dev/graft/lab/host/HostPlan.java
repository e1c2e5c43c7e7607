package dev.graft.lab.host;

import java.util.List;

/** One host to create: its name, 1-based index, address and inventory roles. */
public record HostPlan(String name, int index, String address, List<String> roles) {}
