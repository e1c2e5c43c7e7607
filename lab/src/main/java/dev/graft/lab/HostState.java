package dev.graft.lab;

import java.util.List;

/**
 * One host as recorded in lab.json. {@code root} is the host's directory under the state dir
 * (netns: overlay upper/work dirs; in-process: the sandbox). For netns hosts {@code holder} is the
 * process that holds the namespaces, {@code netns} its network namespace link, {@code veth} the
 * root-namespace end of its link; they are null for in-process hosts.
 */
public record HostState(
    String name,
    int index,
    String address,
    int sshPort,
    List<String> roles,
    String hostKey,
    String root,
    String veth,
    String netns,
    PidRef holder,
    PidRef sshd) {
  /** An in-process host: no namespaces, link or processes of its own. */
  public static HostState inprocess(
      String name,
      int index,
      String address,
      int sshPort,
      List<String> roles,
      String hostKey,
      String root) {
    return new HostState(
        name, index, address, sshPort, roles, hostKey, root, null, null, null, null);
  }
}
