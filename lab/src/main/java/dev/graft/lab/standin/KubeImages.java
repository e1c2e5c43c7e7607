package dev.graft.lab.standin;

import java.util.List;

/**
 * The images kubeadm uses for a Kubernetes release (kubeadm's constants for etcd, CoreDNS and
 * pause), so that `kubeadm config images list|pull`, `upgrade plan` and the manifests `upgrade
 * apply` writes name the tags a real kubeadm of that minor would.
 */
public final class KubeImages {
  public static final String REGISTRY = "registry.k8s.io";

  private KubeImages() {}

  /** etcd's image tag for a Kubernetes minor, as kubeadm's SupportedEtcdVersion table. */
  public static String etcdTag(String kubeVersion) {
    return switch (minor(kubeVersion)) {
      case 28 -> "3.5.9-0";
      case 29 -> "3.5.10-0";
      case 30 -> "3.5.12-0";
      case 31 -> "3.5.15-0";
      default -> "3.5.16-0";
    };
  }

  public static String coreDnsTag(String kubeVersion) {
    return minor(kubeVersion) <= 30 ? "v1.11.1" : "v1.11.3";
  }

  public static String pauseTag(String kubeVersion) {
    return minor(kubeVersion) <= 30 ? "3.9" : "3.10";
  }

  /** `kubeadm config images list --kubernetes-version V`, in kubeadm's order. */
  public static List<String> all(String kubeVersion) {
    String v = Kubeadm.normalize(kubeVersion);
    return List.of(
        REGISTRY + "/kube-apiserver:" + v,
        REGISTRY + "/kube-controller-manager:" + v,
        REGISTRY + "/kube-scheduler:" + v,
        REGISTRY + "/kube-proxy:" + v,
        REGISTRY + "/coredns/coredns:" + coreDnsTag(v),
        REGISTRY + "/pause:" + pauseTag(v),
        REGISTRY + "/etcd:" + etcdTag(v));
  }

  private static int minor(String kubeVersion) {
    int[] v = Kubeadm.parseVersion(kubeVersion);
    if (v == null) {
      throw new IllegalArgumentException("not a Kubernetes version: " + kubeVersion);
    }
    return v[1];
  }
}
