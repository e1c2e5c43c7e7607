package dev.graft.activities.node;

import dev.graft.activities.etcd.EtcdThroughNode;
import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdMemberStatus;
import dev.graft.workflows.etcd.QuorumGate;
import dev.graft.workflows.model.EtcdSpec;
import dev.graft.workflows.model.NodeSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.activity.Activity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What decides whether {@code kubeadm join} can run on a node, and what brings the node back to a
 * state it accepts. Decided from the node (kubeadm's files, the kubelet) and the cluster (the
 * node's etcd member, its Node), never from the attempt number:
 *
 * <ul>
 *   <li><b>joined</b>: kubelet.conf is there and, for a control plane, its kube-apiserver manifest
 *       and, with stacked etcd, its etcd manifest, and etcd lists its peer URL as a started voter.
 *       The step is already satisfied.
 *   <li><b>half-joined</b>: any of kubeadm join's leftovers (its kubeconfigs, pki/, static pod
 *       manifests, the kubelet's config, a running kubelet, etcd data) or an etcd member with this
 *       node's peer URL. kubeadm's preflight refuses such a node (FileAvailable/DirAvailable/Port
 *       errors), so it is repaired first: the member is removed through an existing control plane
 *       when the quorum allows it (learner or voter), then {@code kubeadm reset -f}, the kubelet
 *       stopped, and what a reset that failed part-way leaves of the join's files removed. Real
 *       reset leaves CNI configuration and iptables rules; kubeadm join writes neither, so the
 *       repair leaves them too. When the Node is still Ready (the kubelet of the failed join
 *       registered it), the repair waits until the control plane sees the kubelet gone, because
 *       kubeadm refuses to join under a Ready Node's name.
 *   <li><b>clean</b>: nothing of the above; the join runs.
 * </ul>
 */
final class JoinRepair {
  private static final Logger LOG = LoggerFactory.getLogger(JoinRepair.class);
  private static final Duration SHORT = Duration.ofSeconds(30);

  /** The node-monitor grace period is 40 s by default; the margin covers a slow controller. */
  private static final Duration NOT_READY_WAIT = Duration.ofMinutes(3);

  /** Files and state of a join, in the order they are reported. Path or check -> fact name. */
  private static final String OBSERVE =
      String.join(
          "\n",
          "f() { if [ -e \"$1\" ]; then echo \"$2=1\"; else echo \"$2=0\"; fi; }",
          "d() { if [ -n \"$(ls -A \"$1\" 2>/dev/null)\" ]; then echo \"$2=1\"; else echo \"$2=0\"; fi; }",
          "f /etc/kubernetes/kubelet.conf kubelet.conf",
          "f /etc/kubernetes/bootstrap-kubelet.conf bootstrap-kubelet.conf",
          "f /etc/kubernetes/admin.conf admin.conf",
          "d /etc/kubernetes/pki pki/",
          "f /etc/kubernetes/manifests/kube-apiserver.yaml manifests/kube-apiserver.yaml",
          "f /etc/kubernetes/manifests/etcd.yaml manifests/etcd.yaml",
          "d /etc/kubernetes/manifests manifests/",
          "f /var/lib/kubelet/config.yaml /var/lib/kubelet/config.yaml",
          "d /var/lib/etcd /var/lib/etcd",
          "if systemctl is-active --quiet kubelet 2>/dev/null; then echo 'kubelet-running=1'; else echo 'kubelet-running=0'; fi");

  /**
   * After the member is gone: kubeadm reset, then what a reset that failed part-way would leave of
   * kubeadm join's own files (and nothing else: not /etc/cni/net.d, not iptables). The etcd data
   * dir is cleared only for a stacked control plane whose member is no longer in etcd.
   */
  private static String reset(boolean clearEtcdData) {
    return String.join(
        "\n",
        "kubeadm reset -f 2>&1; rc=$?",
        "echo \"kubeadm reset -f exited $rc\"",
        "systemctl stop kubelet >/dev/null 2>&1 || true",
        "rm -f /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/admin.conf"
            + " /etc/kubernetes/super-admin.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf",
        "rm -f /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/manifests/kube-controller-manager.yaml"
            + " /etc/kubernetes/manifests/kube-scheduler.yaml /etc/kubernetes/manifests/etcd.yaml",
        "rm -rf /etc/kubernetes/pki",
        "rm -f /var/lib/kubelet/config.yaml /var/lib/kubelet/kubeadm-flags.env",
        clearEtcdData ? "rm -rf /var/lib/etcd/member" : ":",
        "left=''",
        "for p in /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/pki/ca.crt"
            + " /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/manifests/etcd.yaml; do",
        "  [ -e \"$p\" ] && left=\"$left $p\"",
        "done",
        "systemctl is-active --quiet kubelet 2>/dev/null && left=\"$left kubelet(running)\"",
        "if [ -n \"$left\" ]; then echo \"still there:$left\" >&2; exit 1; fi",
        "echo 'node clean for kubeadm join'");
  }

  /** What the node showed: each fact name with whether it holds. */
  record Facts(Map<String, Boolean> facts) {
    boolean has(String name) {
      return Boolean.TRUE.equals(facts.get(name));
    }

    List<String> leftovers() {
      return facts.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
    }
  }

  /** The observation and, for a stacked control plane, its etcd member (null if none). */
  record Observation(Facts facts, EtcdMemberStatus member, EtcdClusterStatus etcd) {
    boolean joined(boolean controlPlane, boolean stacked) {
      if (!facts.has("kubelet.conf")) {
        return false;
      }
      if (!controlPlane) {
        return true;
      }
      if (!facts.has("manifests/kube-apiserver.yaml")) {
        return false;
      }
      return !stacked
          || (facts.has("manifests/etcd.yaml")
              && member != null
              && member.started()
              && !member.learner());
    }

    /**
     * A running kubelet alone is not a leftover: kubeadm stops it before it writes the kubelet's
     * files (a package may have started it), and only a bootstrapped kubelet holds port 10250.
     */
    boolean halfJoined() {
      return facts.leftovers().stream().anyMatch(f -> !f.equals("kubelet-running"))
          || member != null;
    }

    String describe() {
      List<String> parts = new ArrayList<>(facts.leftovers());
      if (member != null) {
        parts.add("etcd member " + member.label() + (member.learner() ? " (learner)" : " (voter)"));
      }
      return String.join(", ", parts);
    }
  }

  private final NodeShell shell;
  private final EtcdThroughNode etcd;

  JoinRepair(NodeShell shell) {
    this.shell = shell;
    this.etcd = new EtcdThroughNode(shell);
  }

  Observation observe(NodeSpec node, boolean stackedControlPlane, NodeSpec etcdVia) {
    CommandResult r = shell.runChecked(node, "observe the join", OBSERVE, SHORT, List.of());
    Map<String, Boolean> facts = new LinkedHashMap<>();
    for (String line : r.stdoutTail().split("\n")) {
      int eq = line.lastIndexOf('=');
      if (eq > 0) {
        facts.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip().equals("1"));
      }
    }
    EtcdMemberStatus member = null;
    EtcdClusterStatus status = null;
    if (stackedControlPlane) {
      status = etcd.status(etcdVia);
      member = status.byPeerUrl(EtcdSpec.peerUrl(node)).orElse(null);
    }
    return new Observation(new Facts(facts), member, status);
  }

  /**
   * Brings a half-joined node back to what kubeadm join accepts; returns what it did, one sentence
   * per action, for the top of the step's output.
   */
  List<String> repair(NodeSpec node, Observation o, NodeSpec etcdVia, KubernetesClient kube) {
    List<String> did = new ArrayList<>();
    boolean clearEtcdData = false;
    if (o.member() != null) {
      QuorumGate.Removal gate = QuorumGate.removal(o.etcd(), EtcdSpec.peerUrl(node));
      if (!gate.allowed()) {
        throw NodeShell.failure(
            node.name()
                + ": a failed join left etcd member "
                + o.member().label()
                + ", and it cannot be removed safely: "
                + gate.reason(),
            FailureTypes.JOIN_REPAIR_REFUSED,
            true,
            o.etcd().table(),
            "make etcd healthy (or remove the member by hand with etcdctl member remove), then retry the step");
      }
      etcd.remove(etcdVia, o.member().id());
      did.add(
          "removed "
              + (o.member().learner() ? "learner " : "voter ")
              + o.member().label()
              + " through "
              + etcdVia.name()
              + " ("
              + gate.reason()
              + ")");
      LOG.info(
          "join repair removed etcd member node={} member={} learner={}",
          node.name(),
          o.member().id(),
          o.member().learner());
      clearEtcdData = true;
    } else if (o.etcd() != null) {
      clearEtcdData = true; // a stacked control plane whose peer URL etcd does not list
    }
    CommandResult r =
        shell.run(node, "kubeadm reset", reset(clearEtcdData), Duration.ofMinutes(3), List.of());
    NodeShell.checked(
        node,
        "reset of a half-done join",
        r,
        "kubeadm reset did not leave the node clean: read the output, clean the node, then retry the step");
    did.add(
        "kubeadm reset -f (kubelet stopped; left by the failed join: "
            + o.facts().leftovers()
            + ")");
    String waited = awaitNotReady(node, kube);
    if (waited != null) {
      did.add(waited);
    }
    return did;
  }

  /**
   * kubeadm refuses to join under a Ready Node's name: wait until the control plane sees the
   * kubelet gone.
   */
  private static String awaitNotReady(NodeSpec node, KubernetesClient kube) {
    long t0 = System.nanoTime();
    long deadline = t0 + NOT_READY_WAIT.toNanos();
    boolean wasReady = false;
    while (true) {
      Node n = kube.nodes().withName(node.name()).get();
      boolean ready =
          n != null
              && n.getStatus() != null
              && n.getStatus().getConditions() != null
              && n.getStatus().getConditions().stream()
                  .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      if (!ready) {
        return wasReady
            ? "waited "
                + (System.nanoTime() - t0) / 1_000_000_000
                + " s for the Node to leave Ready"
                + " (kubeadm refuses to join under a Ready Node's name)"
            : null;
      }
      wasReady = true;
      if (System.nanoTime() > deadline) {
        throw NodeShell.failure(
            node.name()
                + ": the Node is still Ready "
                + NOT_READY_WAIT.toMinutes()
                + " min after its kubelet was stopped",
            FailureTypes.NODE_STILL_READY,
            false,
            "",
            "is another kubelet posting status for this name? check the node-lifecycle controller, then retry");
      }
      Activity.getExecutionContext()
          .heartbeat(node.name() + ": waiting for the Node to leave Ready");
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw NodeShell.failure("interrupted", FailureTypes.INTERRUPTED, false, "", "");
      }
    }
  }
}
