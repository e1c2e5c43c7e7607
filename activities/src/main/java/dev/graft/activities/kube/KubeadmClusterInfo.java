package dev.graft.activities.kube;

import dev.graft.workflows.model.EtcdTopology;
import java.util.List;

/**
 * What kubeadm publishes about a cluster it created, read from {@code kube-system/kubeadm-config}
 * (the ClusterConfiguration) and {@code kube-public/cluster-info}. Any field may be null when the
 * cluster does not say; callers fill only the gaps they have.
 *
 * @param controlPlaneEndpoint {@code https://host:port}: kubeadm's controlPlaneEndpoint, else the
 *     server of cluster-info's kubeconfig
 * @param etcdEndpoints external etcd's endpoints; empty for stacked etcd
 * @param etcdCaFile external etcd's CA path on the control-plane nodes (a reference), or null
 * @param clusterName the ClusterConfiguration's {@code clusterName}, or null
 */
public record KubeadmClusterInfo(
    String controlPlaneEndpoint,
    String podSubnet,
    String serviceSubnet,
    EtcdTopology etcdTopology,
    List<String> etcdEndpoints,
    String etcdCaFile,
    String etcdCertFile,
    String etcdKeyFile,
    String kubernetesVersion,
    boolean kubeadmConfigFound,
    String clusterName) {
  public KubeadmClusterInfo {
    etcdEndpoints = etcdEndpoints == null ? List.of() : List.copyOf(etcdEndpoints);
  }

  /** A cluster without kubeadm-config: only cluster-info's endpoint (or null) is known. */
  public static KubeadmClusterInfo withoutKubeadmConfig(String controlPlaneEndpoint) {
    return new KubeadmClusterInfo(
        controlPlaneEndpoint, null, null, null, List.of(), null, null, null, null, false, null);
  }
}
