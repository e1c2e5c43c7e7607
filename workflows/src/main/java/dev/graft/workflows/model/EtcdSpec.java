package dev.graft.workflows.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The etcd cluster. {@code endpoints} may be empty: then they are derived from the etcd-role nodes
 * ({@code https://<ip>:2379}). The certificate fields are paths (references) that the worker opens,
 * never certificate or key content.
 *
 * @param through existing control-plane nodes (SSH settings layered) that etcd is read and changed
 *     through, with the etcd client certificate their kube-apiserver uses, when the worker has no
 *     client files of its own (the certificate fields are then null): the keys stay on those nodes.
 *     Empty: the worker's own client files, through jetcd.
 */
public record EtcdSpec(
    EtcdTopology topology,
    List<String> endpoints,
    String caCert,
    String clientCert,
    String clientKey,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<NodeSpec> through) {
  public static final int CLIENT_PORT = 2379;
  public static final int PEER_PORT = 2380;

  public EtcdSpec {
    topology = topology == null ? EtcdTopology.STACKED : topology;
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    through = through == null ? List.of() : List.copyOf(through);
  }

  /** With the worker's own client files (no node to go through). */
  public EtcdSpec(
      EtcdTopology topology,
      List<String> endpoints,
      String caCert,
      String clientCert,
      String clientKey) {
    this(topology, endpoints, caCert, clientCert, clientKey, List.of());
  }

  /** Whether etcd is reached through control-plane nodes rather than with the worker's files. */
  public boolean viaNodes() {
    return !through.isEmpty();
  }

  /** The same cluster, reached through these nodes with their own client certificate. */
  public EtcdSpec throughNodes(List<NodeSpec> nodes) {
    return new EtcdSpec(topology, endpoints, null, null, null, nodes);
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
    return new EtcdSpec(topology, newEndpoints, caCert, clientCert, clientKey, through);
  }
}
