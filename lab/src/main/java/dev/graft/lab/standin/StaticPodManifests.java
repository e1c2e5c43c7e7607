package dev.graft.lab.standin;

import java.util.ArrayList;
import java.util.List;

/**
 * The static pod manifests kubeadm writes on a control-plane node, reduced to what the lab and
 * Graft read: etcd's command line (which the kubelet stand-in runs with the real etcd binary) and
 * kube-apiserver's flags (--etcd-servers, --advertise-address), which Graft may inspect or edit.
 */
public final class StaticPodManifests {
  private StaticPodManifests() {}

  /** The etcd member a stacked control plane runs, as kubeadm's etcd.yaml describes it. */
  public record Etcd(
      String name,
      String address,
      int clientPort,
      int peerPort,
      String initialCluster,
      boolean existingCluster,
      String image) {

    public String clientUrl() {
      return "https://" + address + ":" + clientPort;
    }

    public String peerUrl() {
      return "https://" + address + ":" + peerPort;
    }
  }

  public static String etcd(Etcd e) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "etcd",
                "--advertise-client-urls=" + e.clientUrl(),
                "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
                "--client-cert-auth=true",
                "--data-dir=/var/lib/etcd",
                "--initial-advertise-peer-urls=" + e.peerUrl(),
                "--initial-cluster=" + e.initialCluster()));
    if (e.existingCluster()) {
      cmd.add("--initial-cluster-state=existing");
    }
    cmd.addAll(
        List.of(
            "--key-file=/etc/kubernetes/pki/etcd/server.key",
            // On a loopback-only host both URLs would be the same socket: etcd refuses duplicates.
            "--listen-client-urls="
                + (e.address().equals("127.0.0.1")
                    ? e.clientUrl()
                    : "https://127.0.0.1:" + e.clientPort() + "," + e.clientUrl()),
            "--listen-peer-urls=" + e.peerUrl(),
            "--name=" + e.name(),
            "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
            "--peer-client-cert-auth=true",
            "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
            "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
            "--snapshot-count=10000",
            "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"));
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n")
        .append("    kubeadm.kubernetes.io/etcd.advertise-client-urls: ")
        .append(e.clientUrl())
        .append("\n  labels:\n    component: etcd\n    tier: control-plane\n  name: etcd\n")
        .append("  namespace: kube-system\nspec:\n  containers:\n  - command:\n");
    for (String c : cmd) {
      y.append("    - ").append(c).append('\n');
    }
    y.append("    image: ")
        .append(e.image())
        .append('\n')
        .append("    imagePullPolicy: IfNotPresent\n    name: etcd\n    volumeMounts:\n")
        .append("    - mountPath: /var/lib/etcd\n      name: etcd-data\n")
        .append("    - mountPath: /etc/kubernetes/pki/etcd\n      name: etcd-certs\n")
        .append("  hostNetwork: true\n  priority: 2000001000\n")
        .append("  priorityClassName: system-node-critical\n  volumes:\n")
        .append(
            "  - hostPath:\n      path: /etc/kubernetes/pki/etcd\n      type: DirectoryOrCreate\n")
        .append("    name: etcd-certs\n")
        .append("  - hostPath:\n      path: /var/lib/etcd\n      type: DirectoryOrCreate\n")
        .append("    name: etcd-data\nstatus: {}\n");
    return y.toString();
  }

  /** kube-apiserver.yaml: not run by the lab (the API stand-in serves instead), but present. */
  public static String apiServer(
      String advertiseAddress, int port, String etcdServers, String serviceCidr, String version) {
    List<String> cmd =
        List.of(
            "kube-apiserver",
            "--advertise-address=" + advertiseAddress,
            "--allow-privileged=true",
            "--authorization-mode=Node,RBAC",
            "--client-ca-file=/etc/kubernetes/pki/ca.crt",
            "--enable-admission-plugins=NodeRestriction",
            "--enable-bootstrap-token-auth=true",
            "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
            "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
            "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
            "--etcd-servers=" + etcdServers,
            "--secure-port=" + port,
            "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
            "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
            "--service-cluster-ip-range=" + serviceCidr,
            "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
            "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key");
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n")
        .append("    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: ")
        .append(advertiseAddress)
        .append(':')
        .append(port)
        .append('\n')
        .append("  labels:\n    component: kube-apiserver\n    tier: control-plane\n")
        .append("  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n")
        .append("  - command:\n");
    for (String c : cmd) {
      y.append("    - ").append(c).append('\n');
    }
    y.append("    image: registry.k8s.io/kube-apiserver:")
        .append(version)
        .append('\n')
        .append("    name: kube-apiserver\n  hostNetwork: true\n")
        .append("  priorityClassName: system-node-critical\nstatus: {}\n");
    return y.toString();
  }

  /** /var/lib/kubelet/config.yaml as kubeadm writes it, reduced to what the stand-in reads. */
  public static String kubeletConfig() {
    return "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        + "authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
        + "cgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\n"
        + "nodeStatusUpdateFrequency: 2s\nrotateCertificates: true\n"
        + "staticPodPath: /etc/kubernetes/manifests\n";
  }
}
