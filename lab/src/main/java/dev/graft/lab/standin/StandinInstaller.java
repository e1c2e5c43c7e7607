package dev.graft.lab.standin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Puts the stand-ins on a host, as a package install would put the real tools there:
 * /usr/local/bin/{kubeadm,kubelet,systemctl,containerd}, the kubelet and containerd units (kubelet
 * enabled, as the kubelet package leaves it), and starts containerd so that the runtime socket
 * exists. Everything lands under /usr/local and /etc of the host, never in the machine's /usr.
 */
public final class StandinInstaller {
  /**
   * JVM flags for the stand-in processes: small heap that is given back, C1 only for a fast start,
   * no hsperfdata files in the host's /tmp. About 60-100 MB RSS for a kubelet.
   */
  public static final String JVM_FLAGS =
      "-Xms8m -Xmx64m -XX:+UseSerialGC -XX:MinHeapFreeRatio=10"
          + " -XX:MaxHeapFreeRatio=30 -Xss256k -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=16m"
          + " -XX:-UsePerfData -Xshare:auto";

  private StandinInstaller() {}

  /**
   * The lab's fault hooks in a stand-in's launcher, as in the fault wrapper other commands get: an
   * armed failure (LabFaults.failNext) exits before the stand-in runs, and an armed recording
   * (LabFaults.recordInvocations) appends the call to the host's mutation log.
   */
  static String faultHooks(String command) {
    return "_gl_lib=\"${GRAFT_LAB_ROOT:-}/usr/local/lib/graft-lab/lab.sh\"\n"
        + "if [ -f \"$_gl_lib\" ]; then . \"$_gl_lib\"; graft_lab_fault_hooks "
        + command
        + " \"$@\"; fi\n";
  }

  public static void install(StandinHost host, StandinConfig cfg) throws IOException {
    String root = host.rootPrefix();
    if (root.contains("'") || root.contains("\n")) {
      throw new IllegalArgumentException("unsafe root prefix " + root);
    }
    if (!host.address().matches("[0-9a-fA-F.:]+")) {
      throw new IllegalArgumentException("host address must be an IP: " + host.address());
    }
    String env =
        "export GRAFT_LAB_ROOT='"
            + root
            + "'\n"
            + "export GRAFT_LAB_NODE_IP='"
            + host.address()
            + "'\n";
    String kubeadm =
        "#!/bin/sh\n# kubeadm stand-in (Graft lab)\n"
            + env
            + "export GRAFT_LAB_KUBEADM_VERSION=\"${GRAFT_LAB_KUBEADM_VERSION:-"
            + cfg.kubeadmVersion()
            + "}\"\n"
            + "export GRAFT_LAB_ETCD_CLIENT_PORT='"
            + cfg.etcdClientPort()
            + "'\n"
            + "export GRAFT_LAB_ETCD_PEER_PORT='"
            + cfg.etcdPeerPort()
            + "'\n"
            + faultHooks("kubeadm")
            + java(cfg, "KubeadmStandin");
    String kubelet =
        "#!/bin/sh\n# kubelet stand-in (Graft lab)\n"
            + env
            + "export GRAFT_LAB_KUBELET_VERSION=\"${GRAFT_LAB_KUBELET_VERSION:-"
            + cfg.kubeletVersion()
            + "}\"\n"
            + faultHooks("kubelet")
            + java(cfg, "KubeletStandin");
    // The same launchers twice: in /usr/local/bin as the commands, and where the stand-in
    // packages' launchers (AptRepo) find them once apt-get has replaced /usr/local/bin's.
    host.writeFile("/usr/local/bin/kubeadm", kubeadm, "0755");
    host.writeFile("/usr/local/bin/kubelet", kubelet, "0755");
    host.writeFile(AptRepo.STANDIN_DIR + "/kubeadm", kubeadm, "0755");
    host.writeFile(AptRepo.STANDIN_DIR + "/kubelet", kubelet, "0755");
    host.writeFile(
        "/usr/local/bin/systemctl",
        "#!/bin/bash\nROOT='" + root + "'\n" + resource("systemctl.sh"),
        "0755");
    host.writeFile(
        "/usr/local/bin/containerd",
        "#!/bin/bash\nROOT='"
            + root
            + "'\nJAVA='"
            + cfg.java()
            + "'\nCP='"
            + cfg.classpath()
            + "'\n"
            + resource("containerd.sh"),
        "0755");
    host.writeFile(
        "/etc/systemd/system/containerd.service",
        "[Unit]\n"
            + "Description=containerd container runtime (Graft lab stand-in)\n\n[Service]\n"
            + "ExecStart=/usr/local/bin/containerd\n\n[Install]\nWantedBy=multi-user.target\n",
        "0644");
    host.writeFile(
        "/etc/systemd/system/kubelet.service",
        "[Unit]\n"
            + "Description=kubelet: The Kubernetes Node Agent (Graft lab stand-in)\n\n[Service]\n"
            + "Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/"
            + "bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\n"
            + "Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n"
            + "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
            + "EnvironmentFile=-/etc/default/kubelet\n"
            + "ExecStart=/usr/local/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS"
            + " $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n"
            + "PIDFile="
            + KubeletStandin.PID_FILE
            + "\n\n[Install]\nWantedBy=multi-user.target\n",
        "0644");
    systemctl(host, "enable", "kubelet");
    systemctl(host, "enable", "--now", "containerd");
  }

  private static void systemctl(StandinHost host, String... args) throws IOException {
    String[] argv = new String[args.length + 1];
    argv[0] = host.rootPrefix() + "/usr/local/bin/systemctl";
    System.arraycopy(args, 0, argv, 1, args.length);
    host.exec(Duration.ofSeconds(30), argv)
        .requireSuccess("systemctl " + String.join(" ", args) + " on " + host.name());
  }

  private static String java(StandinConfig cfg, String main) {
    return "exec '"
        + cfg.java()
        + "' "
        + JVM_FLAGS
        + " -cp '"
        + cfg.classpath()
        + "' dev.graft.lab.standin."
        + main
        + " \"$@\"\n";
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = StandinInstaller.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
