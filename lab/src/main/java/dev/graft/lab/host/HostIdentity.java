package dev.graft.lab.host;

import java.util.List;

/**
 * What names a lab host, shared by the running hosts and the seed tree that prepares one: its name,
 * its index in the lab, its address and its roles. The rest of each differs.
 */
abstract class HostIdentity {
  private final String name;
  private final int index;
  private final String address;
  private final List<String> roles;

  HostIdentity(String name, int index, String address, List<String> roles) {
    this.name = name;
    this.index = index;
    this.address = address;
    this.roles = roles;
  }

  public String name() {
    return name;
  }

  public int index() {
    return index;
  }

  public String address() {
    return address;
  }

  public List<String> roles() {
    return roles;
  }
}
