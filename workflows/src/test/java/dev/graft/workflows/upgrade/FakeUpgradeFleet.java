package dev.graft.workflows.upgrade;

import dev.graft.workflows.join.CheckResult;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stateful fake of the nodes and the API an upgrade touches: installed packages, the apiserver
 * manifest's version, what the kubelet reports, Ready, cordoned. Every change is recorded, in
 * order, as "what node"; faults make a step fail as the real one would.
 */
final class FakeUpgradeFleet implements UpgradeHostActivities, UpgradeApiActivities {
  static final class Node {
    volatile String kubeadm;
    volatile String kubelet;
    volatile String manifest;
    volatile String reported;
    volatile boolean ready = true;
    volatile boolean cordoned;
  }

  final Map<String, Node> nodes = new ConcurrentHashMap<>();
  final List<String> mutations = Collections.synchronizedList(new ArrayList<>());

  /** Nodes whose drain a PodDisruptionBudget blocks until the test removes them. */
  final Set<String> drainBlocked = ConcurrentHashMap.newKeySet();

  /** "step node" → how many more calls fail (retryably). */
  final Map<String, Integer> failNext = new ConcurrentHashMap<>();

  volatile String clusterVersion;

  FakeUpgradeFleet(List<String> names, List<String> controlPlanes, String version) {
    String up = KubeVersion.parse(version).upstream();
    for (String n : names) {
      Node node = new Node();
      node.kubeadm = up;
      node.kubelet = up;
      node.reported = version;
      node.manifest = controlPlanes.contains(n) ? version : null;
      nodes.put(n, node);
    }
    clusterVersion = version;
  }

  private static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  private void maybeFail(String step, String node) {
    String key = step + " " + node;
    Integer left = failNext.get(key);
    if (left != null && left > 0) {
      failNext.put(key, left - 1);
      throw ApplicationFailure.newFailureWithCause(
          step + " failed on " + node + " (injected)",
          "RemoteCommandFailed",
          null,
          new StepFailureDetails("[upgrade] FATAL: injected", "see the fake", attempt()));
    }
  }

  private static String up(String to) {
    return KubeVersion.parse(to).upstream();
  }

  @Override
  public HostVersions observe(UpgradeHostRequest r) {
    Node n = nodes.get(r.node().name());
    return new HostVersions(
        r.node().name(), n.kubeadm, n.kubelet, "kubectl-" + n.kubelet, n.manifest, attempt());
  }

  @Override
  public PrecheckReport precheck(UpgradeHostRequest r) {
    maybeFail("precheck", r.node().name());
    return new PrecheckReport(
        r.node().name(),
        List.of(
            new CheckResult("packages", true, false, "kubeadm " + up(r.to()) + " available", null)),
        attempt());
  }

  @Override
  public SnapshotResult snapshotEtcd(UpgradeHostRequest r) {
    mutations.add("snapshot " + r.node().name());
    return new SnapshotResult(
        false, r.node().name(), "/var/lib/graft/etcd-snapshots/x.db", "abc", 42, "", attempt());
  }

  @Override
  public StepOutcome pullImages(UpgradeHostRequest r) {
    mutations.add("images " + r.node().name());
    return StepOutcome.did("pulled", "", attempt());
  }

  @Override
  public StepOutcome installKubeadm(UpgradeHostRequest r) {
    Node n = nodes.get(r.node().name());
    if (up(r.to()).equals(n.kubeadm)) {
      return StepOutcome.alreadyDone("kubeadm already " + n.kubeadm, "", attempt());
    }
    mutations.add("kubeadm-package " + r.node().name());
    n.kubeadm = up(r.to());
    return StepOutcome.did("kubeadm " + n.kubeadm, "", attempt());
  }

  @Override
  public StepOutcome kubeadmUpgrade(UpgradeHostRequest r) {
    maybeFail("kubeadm-upgrade", r.node().name());
    Node n = nodes.get(r.node().name());
    if (!up(r.to()).equals(n.kubeadm)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "kubeadm is older than the target", "InvalidInput");
    }
    if (r.first()) {
      mutations.add("upgrade-apply " + r.node().name());
      clusterVersion = r.to();
    } else {
      if (!clusterVersion.equals(r.to())) {
        throw ApplicationFailure.newNonRetryableFailure(
            "upgrade node before apply", "InvalidInput");
      }
      mutations.add("upgrade-node " + r.node().name());
    }
    if (r.controlPlane()) {
      n.manifest = r.to();
    }
    return StepOutcome.did("upgraded", "", attempt());
  }

  @Override
  public StepOutcome installKubelet(UpgradeHostRequest r) {
    Node n = nodes.get(r.node().name());
    if (!n.cordoned) {
      throw ApplicationFailure.newNonRetryableFailure(
          "kubelet replaced on a schedulable node", "InvalidInput");
    }
    mutations.add("kubelet-package " + r.node().name());
    n.kubelet = up(r.to());
    n.reported = r.to();
    return StepOutcome.did("kubelet restarted", "", attempt());
  }

  @Override
  public PrecheckReport clusterPrecheck(UpgradeClusterRequest r) {
    maybeFail("precheck", "cluster");
    return new PrecheckReport(
        "cluster", List.of(new CheckResult("nodes Ready", true, false, "all", null)), attempt());
  }

  @Override
  public NodeState nodeState(UpgradeNodeRequest r) {
    Node n = nodes.get(r.node().name());
    return new NodeState(r.node().name(), n.reported, n.ready, n.cordoned, attempt());
  }

  @Override
  public StepOutcome drain(UpgradeNodeRequest r) {
    Node n = nodes.get(r.node().name());
    if (!n.cordoned) {
      mutations.add("cordon " + r.node().name());
      n.cordoned = true;
    }
    if (drainBlocked.contains(r.node().name())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "drain of "
              + r.node().name()
              + " blocked: pod web-1 (PodDisruptionBudget web-pdb allows 0 disruptions)",
          "DrainBlocked");
    }
    mutations.add("drain " + r.node().name());
    return StepOutcome.did("drained", "", attempt());
  }

  @Override
  public StepOutcome awaitReadyAndUncordon(UpgradeNodeRequest r) {
    Node n = nodes.get(r.node().name());
    if (!n.reported.equals(r.to())) {
      throw ApplicationFailure.newFailure("not at " + r.to(), "NodeNotReady");
    }
    mutations.add("uncordon " + r.node().name());
    n.cordoned = false;
    return StepOutcome.did("Ready at " + r.to(), "", attempt());
  }

  @Override
  public StepOutcome uncordon(UpgradeNodeRequest r) {
    Node n = nodes.get(r.node().name());
    if (!n.cordoned) {
      return StepOutcome.alreadyDone("not cordoned", "", attempt());
    }
    mutations.add("uncordon " + r.node().name());
    n.cordoned = false;
    return StepOutcome.did("uncordoned", "", attempt());
  }
}
