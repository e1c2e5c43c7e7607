package dev.graft.lab.bootstrap;

/**
 * What the bootstrap made, by reference: the control-plane node, its etcd client URL, the endpoint
 * and CA pin a join needs, and the id (not the secret) of the token `kubeadm init` creates. Paths
 * are paths inside the host.
 */
public record BootstrapResult(
    String nodeName,
    String etcdEndpoint,
    String controlPlaneEndpoint,
    String caCertHash,
    String initTokenId,
    String adminKubeconfigPath,
    String etcdCaPath,
    String etcdClientCertPath,
    String etcdClientKeyPath) {}
