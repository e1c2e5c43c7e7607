package dev.graft.workflows.etcd;

import dev.graft.workflows.model.NodeSpec;

/**
 * Where the etcd CA lives: a host (reached over SSH) and the paths of the CA certificate and key on
 * it. Only references: the key is read by openssl on that host to sign a request and never leaves
 * it, so it never reaches the worker or a workflow history.
 */
public record EtcdCaRef(NodeSpec host, String caCert, String caKey) {
  /** kubeadm's etcd CA on a control-plane node. */
  public static EtcdCaRef kubeadm(NodeSpec host) {
    return new EtcdCaRef(
        host, "/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/etcd/ca.key");
  }
}
