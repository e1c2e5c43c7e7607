package dev.graft.activities.routing;

import dev.graft.activities.common.Resources;
import dev.graft.workflows.plan.Route;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The files that make a node's routed pod network survive a reboot: the apply script, its config
 * (the desired state, rewritten by every run), the sysctl drop-in and the oneshot unit that runs
 * the script at boot. Built only from values the caller validated.
 */
final class PodNetworkFiles {
  static final String SCRIPT = "/usr/local/lib/graft/pod-network";
  static final String CONF = "/etc/graft/pod-network.conf";
  static final String SYSCTL = "/etc/sysctl.d/99-graft-pod-network.conf";
  static final String UNIT = "/etc/systemd/system/graft-pod-network.service";
  static final String BRIDGE = "cbr0";
  static final int PROTO = 213;

  /** A file with its content and mode. */
  record NodeFile(String path, byte[] content, int mode) {}

  private PodNetworkFiles() {}

  static final String SCRIPT_TEXT = Resources.text(PodNetworkFiles.class, "pod-network.sh");

  static final String SYSCTL_TEXT =
      "# Written by Graft: pod traffic is forwarded between cbr0 and the node's network.\n"
          + "net.ipv4.ip_forward = 1\n";

  static final String UNIT_TEXT =
      String.join(
          "\n",
          "# Written by Graft: restores the routed pod network (cbr0, forwarding, FORWARD rules, pod",
          "# routes) at boot from " + CONF + ". See Graft's docs/routing.md.",
          "[Unit]",
          "Description=Graft pod network (cbr0, pod routes, forwarding)",
          "Wants=network-online.target",
          "After=network-online.target",
          "Before=kubelet.service",
          "",
          "[Service]",
          "Type=oneshot",
          "RemainAfterExit=yes",
          "ExecStart=" + SCRIPT + " apply",
          "",
          "[Install]",
          "WantedBy=multi-user.target",
          "");

  /** The config: one {@code key value} line each, routes sorted by node name. */
  static String conf(
      String cluster, String node, String bridgeAddress, String clusterCidr, List<Route> routes) {
    StringBuilder s = new StringBuilder();
    s.append("# Written by Graft for node ")
        .append(node)
        .append(" of cluster ")
        .append(cluster)
        .append("; the next routing run rewrites it.\n")
        .append("# ")
        .append(SCRIPT)
        .append(" apply brings the node to it (at boot too).\n")
        .append("bridge ")
        .append(BRIDGE)
        .append('\n')
        .append("bridge-address ")
        .append(bridgeAddress)
        .append('\n')
        .append("cluster-cidr ")
        .append(clusterCidr)
        .append('\n');
    for (Route r : routes) {
      s.append("route ")
          .append(r.destination())
          .append(' ')
          .append(r.via())
          .append(' ')
          .append(r.viaNode())
          .append('\n');
    }
    return s.toString();
  }

  static List<NodeFile> all(String confText) {
    return List.of(
        new NodeFile(SCRIPT, SCRIPT_TEXT.getBytes(StandardCharsets.UTF_8), 0755),
        new NodeFile(CONF, confText.getBytes(StandardCharsets.UTF_8), 0644),
        new NodeFile(SYSCTL, SYSCTL_TEXT.getBytes(StandardCharsets.UTF_8), 0644),
        new NodeFile(UNIT, UNIT_TEXT.getBytes(StandardCharsets.UTF_8), 0644));
  }
}
