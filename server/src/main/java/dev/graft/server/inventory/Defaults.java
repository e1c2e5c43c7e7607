package dev.graft.server.inventory;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.util.List;

/** Documented defaults for settings an inventory format lacks (docs/inventory.md, "Defaults"). */
final class Defaults {
  private Defaults() {}

  static final String GRAFT_POD_CIDR = "10.244.0.0/16";
  static final String GRAFT_SERVICE_CIDR = "10.96.0.0/12";
  static final String KUBESPRAY_POD_CIDR = "10.233.64.0/18";
  static final String KUBESPRAY_SERVICE_CIDR = "10.233.0.0/18";
  static final String KUBESPRAY_ETCD_CERT_DIR = "/etc/ssl/etcd/ssl";
  static final String METALK8S_POD_CIDR = "10.233.0.0/16";
  static final String METALK8S_SERVICE_CIDR = "10.96.0.0/12";
  static final int API_PORT = 6443;

  /** {@code https://<first control-plane node>:<port>}, or null without a control-plane node. */
  static String apiEndpoint(List<NodeSpec> nodes, int port) {
    return nodes.stream()
        .filter(n -> n.hasRole(Role.CONTROL_PLANE))
        .findFirst()
        .map(n -> "https://" + hostForUrl(n.routeAddress()) + ":" + port)
        .orElse(null);
  }

  private static String hostForUrl(String host) {
    return host != null && host.contains(":") ? "[" + host + "]" : host;
  }
}
