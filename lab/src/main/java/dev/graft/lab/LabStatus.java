package dev.graft.lab;

import java.util.List;

/**
 * What `graft lab status -o json` prints: the lab's files and endpoints and, per host, what a
 * client needs to reach it. Internal bookkeeping (PIDs, namespaces) stays in lab.json.
 */
public record LabStatus(
    String id,
    LabKind kind,
    boolean live,
    String stateDir,
    String bridge,
    String subnet,
    String gateway,
    String apiEndpoint,
    String clientKey,
    String knownHosts,
    String inventoryYaml,
    String inventoryIni,
    String kubeconfig,
    List<String> etcdEndpoints,
    BootstrapState bootstrap,
    List<Host> hosts) {

  /** One host: name, address and SSH port, roles, pinned host key. */
  public record Host(
      String name, String address, int sshPort, List<String> roles, String hostKey) {}

  public static LabStatus of(LabState s) {
    return new LabStatus(
        s.id(),
        s.kind(),
        Lab.live(s),
        s.stateDir(),
        s.bridge(),
        s.subnet(),
        s.gateway(),
        s.apiEndpoint(),
        s.clientKey(),
        s.knownHosts(),
        s.inventoryYaml(),
        s.inventoryIni(),
        s.kubeconfig(),
        s.etcdEndpoints(),
        s.bootstrap(),
        s.hosts().stream()
            .map(h -> new Host(h.name(), h.address(), h.sshPort(), h.roles(), h.hostKey()))
            .toList());
  }

  /** A human-readable summary for `lab up` and `lab status`. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    sb.append("lab ")
        .append(id)
        .append(" (")
        .append(kind.label())
        .append(", ")
        .append(live ? "up" : "DOWN")
        .append("), state dir ")
        .append(stateDir)
        .append('\n');
    if (bridge != null) {
      sb.append("  bridge    ")
          .append(bridge)
          .append(' ')
          .append(gateway)
          .append(" (")
          .append(subnet)
          .append(")\n");
    }
    sb.append("  key       ").append(clientKey).append('\n');
    sb.append("  known     ").append(knownHosts).append('\n');
    sb.append("  inventory ").append(inventoryYaml).append('\n');
    sb.append("  kubespray ").append(inventoryIni).append('\n');
    sb.append("  kubeconfig ").append(kubeconfig).append('\n');
    sb.append("  etcd      ")
        .append(
            etcdEndpoints.isEmpty() ? "(none until bootstrap)" : String.join(",", etcdEndpoints))
        .append('\n');
    if (bootstrap != null) {
      sb.append("  api       ")
          .append(apiEndpoint)
          .append(" (API stand-in; ")
          .append(bootstrap.node())
          .append(" bootstrapped in ")
          .append(bootstrap.seconds())
          .append(" s)\n");
      sb.append("  etcd tls  ca ")
          .append(bootstrap.etcdCaCert())
          .append(", cert ")
          .append(bootstrap.etcdClientCert())
          .append(", key ")
          .append(bootstrap.etcdClientKey())
          .append('\n');
    }
    for (Host h : hosts) {
      sb.append(
          String.format(
              "  %-14s %-15s port %-5d %s%n",
              h.name(), h.address(), h.sshPort(), String.join(",", h.roles())));
    }
    if (!hosts.isEmpty()) {
      Host h = hosts.get(0);
      sb.append("  ssh: ssh -i ")
          .append(clientKey)
          .append(" -o UserKnownHostsFile=")
          .append(knownHosts)
          .append(" -o StrictHostKeyChecking=yes")
          .append(h.sshPort() == 22 ? "" : " -p " + h.sshPort())
          .append(" root@")
          .append(h.address())
          .append('\n');
    }
    return sb.toString();
  }
}
