package dev.graft.lab.bootstrap;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The cluster the bootstrap makes, as `kubeadm init` would be told: version, pod and service
 * networks, and the ports of the stacked etcd member (2379/2380 on a netns host; free ports when
 * hosts share 127.0.0.1).
 */
public record BootstrapSpec(
    String kubernetesVersion,
    String podSubnet,
    String serviceSubnet,
    int etcdClientPort,
    int etcdPeerPort,
    Duration readyTimeout,
    String clusterName) {
  private static final Pattern CIDR = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}");

  public BootstrapSpec {
    if (!kubernetesVersion.matches("v\\d+\\.\\d+\\.\\d+")) {
      throw new IllegalArgumentException(
          "kubernetesVersion must look like v1.32.0: " + kubernetesVersion);
    }
    if (!CIDR.matcher(podSubnet).matches() || !CIDR.matcher(serviceSubnet).matches()) {
      throw new IllegalArgumentException("podSubnet and serviceSubnet must be IPv4 CIDRs");
    }
  }

  public static BootstrapSpec defaults() {
    return new BootstrapSpec(
        "v1.32.0",
        "10.244.0.0/16",
        "10.96.0.0/12",
        2379,
        2380,
        Duration.ofSeconds(60),
        "kubernetes");
  }

  public BootstrapSpec withKubernetesVersion(String v) {
    return new BootstrapSpec(
        v, podSubnet, serviceSubnet, etcdClientPort, etcdPeerPort, readyTimeout, clusterName);
  }

  public BootstrapSpec withEtcdPorts(int client, int peer) {
    return new BootstrapSpec(
        kubernetesVersion, podSubnet, serviceSubnet, client, peer, readyTimeout, clusterName);
  }

  /** kubeadm-config's clusterName ({@code kubeadm init}'s default is "kubernetes"). */
  public BootstrapSpec withClusterName(String name) {
    return new BootstrapSpec(
        kubernetesVersion,
        podSubnet,
        serviceSubnet,
        etcdClientPort,
        etcdPeerPort,
        readyTimeout,
        name);
  }
}
