package dev.graft.lab.standin;

import java.io.IOException;
import java.util.List;

/**
 * Armed faults of {@code kubeadm upgrade apply|node} ({@code LabFaults.failUpgrade}, {@code
 * LabFaults.slowUpgradeApply}), in files under {@code /run/graft-lab/upgrade-fault} taken under a
 * lock as the join faults are:
 *
 * <ul>
 *   <li>{@code apply_control-plane} ("N"): the next N applies fail while upgrading the static pods;
 *       kubeadm rolls the manifests back and kubeadm-config keeps the old version;
 *   <li>{@code node_control-plane} ("N"): the next N {@code upgrade node} runs fail in
 *       kubelet-config, after the control-plane phase has rewritten this node's manifests;
 *   <li>{@code apply-pause} ("N SECONDS"): the next N applies stop for SECONDS after the etcd
 *       manifest is upgraded and before kube-apiserver's, a window in which a test can kill the
 *       process that started the apply (the apply itself runs on).
 * </ul>
 */
final class UpgradeFaults {
  static final String DIR = "/run/graft-lab/upgrade-fault";
  static final List<String> FAILURES = List.of("apply/control-plane", "node/control-plane");

  private UpgradeFaults() {}

  static String file(String fault) {
    if (!FAILURES.contains(fault) && !fault.equals("apply-pause")) {
      throw new IllegalArgumentException(
          "unknown upgrade fault " + fault + "; known: " + FAILURES + ", apply-pause");
    }
    return DIR + "/" + fault.replace('/', '_');
  }

  static boolean take(Kubeadm k, String fault) throws IOException {
    return JoinFaults.takeOne(k.path(file(fault))) != null;
  }

  /** Seconds the apply should pause now, 0 when no pause is armed. */
  static int pause(Kubeadm k) throws IOException {
    String[] f = JoinFaults.takeOne(k.path(file("apply-pause")));
    if (f == null || f.length < 2) {
      return 0;
    }
    try {
      return Math.max(0, Math.min(600, Integer.parseInt(f[1])));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
