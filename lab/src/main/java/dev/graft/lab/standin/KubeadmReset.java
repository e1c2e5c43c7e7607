package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * kubeadm reset: asks for confirmation unless -f, removes this node's stacked etcd member when it
 * has one, stops the kubelet, stops the static pods' processes ("containers"), and deletes
 * kubeadm's state. Like kubeadm it leaves the Node object in the API.
 */
final class KubeadmReset {
  private final Kubeadm k;

  KubeadmReset(Kubeadm k) {
    this.k = k;
  }

  void run(List<String> argv) throws StandinFailure, IOException {
    Args a = Args.parse(argv, Set.of("cri-socket", "ignore-preflight-errors", "kubeconfig",
        "cert-dir", "skip-phases", "v"), Set.of("force", "cleanup-tmp-dir", "dry-run"),
        Map.of("f", "force"));
    k.out.println("W [reset] WARNING: Changes made to this host by 'kubeadm init' or"
        + " 'kubeadm join' will be reverted.");
    if (!a.bool("force") && !k.confirm("[reset] Are you sure you want to proceed?")) {
      throw StandinFailure.phase("preflight", "aborted reset operation");
    }
    k.out.println("[preflight] Running pre-flight checks");
    Path etcdManifest = k.path(Kubeadm.MANIFESTS + "/etcd.yaml");
    if (Files.exists(etcdManifest) && Files.exists(k.path(Kubeadm.ADMIN_CONF))) {
      removeEtcdMember();
    }
    k.out.println("[reset] Stopping the kubelet service");
    k.systemctl("stop", "kubelet");
    k.out.println("[reset] Unmounting mounted directories in \"/var/lib/kubelet\"");
    StaticPods.stopAll(k.paths);
    if (Files.exists(etcdManifest)) {
      k.out.println("[reset] Deleting contents of the stacked etcd directory: /var/lib/etcd");
      clear(k.path("/var/lib/etcd"));
    }
    k.out.println("[reset] Deleting contents of directories: [/etc/kubernetes/manifests"
        + " /var/lib/kubelet /etc/kubernetes/pki]");
    clear(k.path(Kubeadm.MANIFESTS));
    clear(k.path("/var/lib/kubelet"));
    clear(k.path(Kubeadm.PKI));
    List<String> files = List.of(Kubeadm.ADMIN_CONF, "/etc/kubernetes/super-admin.conf",
        Kubeadm.KUBELET_CONF, Kubeadm.BOOTSTRAP_KUBELET_CONF,
        "/etc/kubernetes/controller-manager.conf", "/etc/kubernetes/scheduler.conf");
    k.out.println("[reset] Deleting files: " + files.toString().replace(",", ""));
    for (String f : files) {
      Files.deleteIfExists(k.path(f));
    }
    k.out.println("\nThe reset process does not clean CNI configuration, iptables or IPVS"
        + " tables, or your kubeconfig files.");
  }

  /** kubeadm reset removes the local member from a stacked etcd cluster before wiping it. */
  private void removeEtcdMember() {
    try {
      CertKey hc = Pem.readPair(k.path(Kubeadm.PKI + "/etcd/healthcheck-client.crt"),
          k.path(Kubeadm.PKI + "/etcd/healthcheck-client.key"));
      String ca = Files.readString(k.path(Kubeadm.PKI + "/etcd/ca.crt"));
      String manifest = Files.readString(k.path(Kubeadm.MANIFESTS + "/etcd.yaml"));
      String name = StaticPods.flag(manifest, "--name");
      String url = StaticPods.flag(manifest, "--advertise-client-urls");
      EtcdGateway etcd = new EtcdGateway(url, ca, hc.certPem(), hc.keyPem());
      for (JsonNode m : etcd.members()) {
        if (name != null && name.equals(m.path("name").asText()) && etcd.members().size() > 1) {
          // etcd answers "unhealthy cluster" for a few seconds after a membership change;
          // kubeadm retries the removal with a back-off, and so does the stand-in.
          for (int attempt = 0; ; attempt++) {
            try {
              etcd.remove(EtcdGateway.idOf(m));
              break;
            } catch (IOException e) {
              if (attempt >= 40 || !e.getMessage().contains("unhealthy cluster")) {
                throw e;
              }
              Discovery.sleep(500);
            }
          }
          k.out.println("[reset] Removed member " + name + " from the etcd cluster");
        }
      }
    } catch (IOException | RuntimeException e) {
      // As kubeadm: failing to remove the member is a warning, the reset continues.
      k.out.println("W [reset] Failed to remove etcd member: " + e.getMessage()
          + "\nPlease manually remove this etcd member using etcdctl");
    }
  }

  static void clear(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(dir)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
