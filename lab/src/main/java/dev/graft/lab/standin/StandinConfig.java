package dev.graft.lab.standin;

import java.nio.file.Path;

/**
 * How the stand-ins are installed on a host: the java binary and class path their shims run, the
 * versions kubeadm and the kubelet claim, and the etcd ports a control-plane join uses (2379/2380
 * on netns hosts; distinct ports when several hosts share 127.0.0.1).
 */
public record StandinConfig(
    String java,
    String classpath,
    String kubeadmVersion,
    String kubeletVersion,
    int etcdClientPort,
    int etcdPeerPort) {

  public StandinConfig {
    for (String v : new String[] {java, classpath}) {
      if (v == null || v.isEmpty() || v.contains("'") || v.contains("\n")) {
        throw new IllegalArgumentException("java and classpath must be non-empty, without quotes");
      }
    }
    if (Kubeadm.parseVersion(kubeadmVersion) == null
        || Kubeadm.parseVersion(kubeletVersion) == null) {
      throw new IllegalArgumentException("versions must look like v1.32.0");
    }
  }

  /** This JVM's java and class path (what tests and `graft lab` run with). */
  public static StandinConfig ofThisJvm(String version) {
    return new StandinConfig(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        System.getProperty("java.class.path"),
        version,
        version,
        2379,
        2380);
  }

  public StandinConfig withEtcdPorts(int client, int peer) {
    return new StandinConfig(java, classpath, kubeadmVersion, kubeletVersion, client, peer);
  }

  public StandinConfig withKubeadmVersion(String v) {
    return new StandinConfig(java, classpath, v, kubeletVersion, etcdClientPort, etcdPeerPort);
  }
}
