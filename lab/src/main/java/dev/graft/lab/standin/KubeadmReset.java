package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    Args a =
        Args.parse(
            argv,
            Set.of(
                "cri-socket",
                "ignore-preflight-errors",
                "kubeconfig",
                "cert-dir",
                "skip-phases",
                "v"),
            Set.of("force", "cleanup-tmp-dir", "dry-run"),
            Map.of("f", "force"));
    k.out.println(
        "W [reset] WARNING: Changes made to this host by 'kubeadm init' or"
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
    k.out.println(
        "[reset] Deleting contents of directories: [/etc/kubernetes/manifests"
            + " /var/lib/kubelet /etc/kubernetes/pki]");
    clear(k.path(Kubeadm.MANIFESTS));
    clear(k.path("/var/lib/kubelet"));
    clear(k.path(Kubeadm.PKI));
    List<String> files =
        List.of(
            Kubeadm.ADMIN_CONF,
            "/etc/kubernetes/super-admin.conf",
            Kubeadm.KUBELET_CONF,
            Kubeadm.BOOTSTRAP_KUBELET_CONF,
            "/etc/kubernetes/controller-manager.conf",
            "/etc/kubernetes/scheduler.conf");
    k.out.println("[reset] Deleting files: " + files.toString().replace(",", ""));
    for (String f : files) {
      Files.deleteIfExists(k.path(f));
    }
    // kubeadm's closing notes: CNI configuration, iptables/IPVS rules and $HOME/.kube/config are
    // left as they are, here as on a real node.
    k.out.println(
        "\nThe reset process does not clean CNI configuration. To do so, you must remove"
            + " /etc/cni/net.d\n\nThe reset process does not reset or clean up iptables rules or IPVS"
            + " tables.\nIf you wish to reset iptables, you must do so manually by using the"
            + " \"iptables\" command.\n\nThe reset process does not clean your kubeconfig files and you"
            + " must remove them manually.\nPlease, check the contents of the $HOME/.kube/config file.");
  }

  /**
   * kubeadm reset removes the local member from a stacked etcd cluster before wiping it: it finds
   * the members through the etcd Pods' client URLs in the API (admin.conf) and removes the one with
   * this node's peer URL, learner or voter, started or not. When no member answers, or the member
   * is the only one, it warns and goes on.
   */
  private void removeEtcdMember() {
    try {
      CertKey hc =
          Pem.readPair(
              k.path(Kubeadm.PKI + "/etcd/healthcheck-client.crt"),
              k.path(Kubeadm.PKI + "/etcd/healthcheck-client.key"));
      String ca = Files.readString(k.path(Kubeadm.PKI + "/etcd/ca.crt"));
      String manifest = Files.readString(k.path(Kubeadm.MANIFESTS + "/etcd.yaml"));
      String peer = StaticPods.flag(manifest, "--initial-advertise-peer-urls");
      KubeRest admin = KubeRest.fromKubeconfig(Kubeconfig.read(k.path(Kubeadm.ADMIN_CONF)));
      IOException last = null;
      for (String url : KubeadmJoin.ControlPlane.etcdEndpoints(admin)) {
        EtcdGateway etcd = new EtcdGateway(url, ca, hc.certPem(), hc.keyPem());
        List<JsonNode> members = new ArrayList<>();
        try {
          etcd.members().forEach(members::add);
        } catch (IOException e) {
          last = e; // a learner (this node's own, maybe) does not serve the member list
          continue;
        }
        for (JsonNode m : members) {
          if (peer == null || !EtcdGateway.peerUrls(m).contains(peer)) {
            continue;
          }
          if (members.size() < 2) {
            k.out.println("W [reset] The etcd cluster has only this member; it is not removed");
            return;
          }
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
          k.out.println("[reset] Removed member " + peer + " from the etcd cluster");
          return;
        }
        return; // the cluster answered and has no member with this peer URL
      }
      if (last != null) {
        throw last;
      }
    } catch (IOException | RuntimeException e) {
      // As kubeadm: failing to remove the member is a warning, the reset continues.
      k.out.println(
          "W [reset] Failed to remove etcd member: "
              + e.getMessage()
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
