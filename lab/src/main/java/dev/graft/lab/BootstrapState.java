package dev.graft.lab;

/**
 * What `lab up --bootstrap` recorded in lab.json: the bootstrapped node, copies of host 1's etcd CA
 * and apiserver-etcd-client certificate and key in the state dir (files on this machine, so a Graft
 * worker here can reach etcd over TLS), the cluster CA pin, and how long the bootstrap took. While
 * it is set, the JVM that ran `lab up` ({@link LabState#owner()}) serves the API stand-in, so `lab
 * down` stops that JVM too. {@code kubernetesVersion} is the version the bootstrap's {@code kubeadm
 * init} ran (null in a lab.json written before it was recorded): the inventories name it, so an
 * upgradable lab's inventory does not contradict its own cluster.
 */
public record BootstrapState(
    String node,
    String etcdCaCert,
    String etcdClientCert,
    String etcdClientKey,
    String caCertHash,
    double seconds,
    String kubernetesVersion) {}
