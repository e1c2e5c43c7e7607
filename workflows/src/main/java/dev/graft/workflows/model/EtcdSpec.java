package dev.graft.workflows.model;

import java.util.List;

/**
 * The etcd cluster. {@code endpoints} may be empty: then they are derived from the etcd-role nodes
 * ({@code https://<ip>:2379}). The certificate fields are paths (references) that the worker
 * opens, never certificate or key content.
 */
public record EtcdSpec(
    EtcdTopology topology,
    List<String> endpoints,
    String caCert,
    String clientCert,
    String clientKey) {
  public static final int CLIENT_PORT = 2379;
  public static final int PEER_PORT = 2380;

  public EtcdSpec {
    topology = topology == null ? EtcdTopology.STACKED : topology;
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
  }

  /** The client URL of the member on {@code node}: {@code https://<address>:2379}. */
  public static String clientUrl(NodeSpec node) {
    return "https://" + node.routeAddress() + ":" + CLIENT_PORT;
  }

  /** The peer URL of the member on {@code node}: {@code https://<address>:2380}. */
  public static String peerUrl(NodeSpec node) {
    return "https://" + node.routeAddress() + ":" + PEER_PORT;
  }

  /** kubeadm's stacked etcd with kubeadm's certificate paths. */
  public static EtcdSpec kubeadmDefaults() {
    return new EtcdSpec(
        EtcdTopology.STACKED,
        List.of(),
        "/etc/kubernetes/pki/etcd/ca.crt",
        "/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "/etc/kubernetes/pki/apiserver-etcd-client.key");
  }

  /** The same cluster reached through other endpoints. */
  public EtcdSpec withEndpoints(List<String> newEndpoints) {
    return new EtcdSpec(topology, newEndpoints, caCert, clientCert, clientKey);
  }
}
