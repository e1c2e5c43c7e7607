package dev.graft.activities.upgrade;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.common.Liveness;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeFailures;
import dev.graft.activities.kube.NodeObjects;
import dev.graft.activities.kube.NodeWait;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.join.CheckResult;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.upgrade.KubeVersion;
import dev.graft.workflows.upgrade.NodeState;
import dev.graft.workflows.upgrade.UpgradeApiActivities;
import dev.graft.workflows.upgrade.UpgradeClusterRequest;
import dev.graft.workflows.upgrade.UpgradeNodeRequest;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgrade's steps on the Kubernetes API (fabric8, bounded clients without retries of their own:
 * Temporal owns retries). Each observes first, so a retry reports what it found done.
 */
public final class UpgradeApiActivitiesImpl implements UpgradeApiActivities {
  private static final Logger LOG = LoggerFactory.getLogger(UpgradeApiActivitiesImpl.class);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private final KubeClients clients;
  private final Duration pollInterval;

  public UpgradeApiActivitiesImpl(KubeClients clients, Duration pollInterval) {
    this.clients = clients;
    this.pollInterval = pollInterval;
  }

  // ---------------------------------------------------------------- pre-checks

  @Override
  public PrecheckReport clusterPrecheck(UpgradeClusterRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    List<CheckResult> checks = new ArrayList<>();
    try (Liveness alive =
        Liveness.start(Activity.getExecutionContext(), () -> "cluster pre-checks")) {
      Set<String> names =
          request.nodes().stream()
              .map(NodeSpec::name)
              .collect(Collectors.toCollection(TreeSet::new));
      checks.add(nodesReady(kube, names));
      checks.addAll(blockingBudgets(kube, names));
      checks.add(deprecatedApis(kube, KubeVersion.parse(request.to())));
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("cluster pre-checks of " + request.cluster(), e);
    }
    // Retrying cannot make a Node Ready or a budget allow a disruption: an operator acts first.
    return NodeShell.passed(
        new PrecheckReport(request.cluster(), checks, attempt()),
        c -> !c.passed(),
        request.cluster() + ": cluster pre-checks failed",
        "fix what the FAIL lines say, then retry (or skip the pre-checks)");
  }

  private static CheckResult nodesReady(KubernetesClient kube, Set<String> names) {
    List<String> bad = new ArrayList<>();
    for (String name : names) {
      Node n = kube.nodes().withName(name).get();
      String r = n == null ? "no Node object" : NodeObjects.readiness(n);
      if (!"Ready".equals(r)) {
        bad.add(name + " (" + r + ")");
      }
    }
    return bad.isEmpty()
        ? new CheckResult(
            "nodes-ready", true, false, "every node to upgrade is Ready: " + names, null)
        : new CheckResult(
            "nodes-ready",
            false,
            false,
            "not Ready: " + String.join(", ", bad),
            "fix those nodes first (journalctl -u kubelet on each); an upgrade starts from a healthy cluster");
  }

  /** One failing check per budget that allows no disruption and covers pods on nodes to upgrade. */
  private static List<CheckResult> blockingBudgets(KubernetesClient kube, Set<String> names) {
    List<CheckResult> out = new ArrayList<>();
    List<PodDisruptionBudget> pdbs =
        kube.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems();
    for (PodDisruptionBudget pdb : pdbs) {
      if (Selectors.disruptionsAllowed(pdb) > 0) {
        continue;
      }
      List<String> pods = new ArrayList<>();
      for (Pod p : kube.pods().inNamespace(pdb.getMetadata().getNamespace()).list().getItems()) {
        String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
        if (node != null
            && names.contains(node)
            && Selectors.covers(pdb, p)
            && !Selectors.finished(p)) {
          pods.add(Selectors.name(p) + " on " + node);
        }
      }
      if (!pods.isEmpty()) {
        out.add(
            new CheckResult(
                "pdb " + Selectors.name(pdb),
                false,
                false,
                "PodDisruptionBudget "
                    + Selectors.name(pdb)
                    + " allows 0 disruptions and covers "
                    + String.join(", ", pods),
                "scale the workload or relax the PDB; a drain would wait out --drain-timeout"));
      }
    }
    if (out.isEmpty()) {
      out.add(
          new CheckResult(
              "pod-disruption-budgets",
              true,
              false,
              pdbs.size() + " PodDisruptionBudget(s); none blocks a drain of the nodes to upgrade",
              null));
    }
    return out;
  }

  /**
   * The API server's {@code apiserver_requested_deprecated_apis} gauge (on /metrics): an API
   * requested since the server started that is removed in the target's minor or earlier fails; one
   * removed later is noted. Servers that do not expose the metric are skipped, with a note.
   */
  private static CheckResult deprecatedApis(KubernetesClient kube, KubeVersion to) {
    String metrics;
    try {
      metrics = kube.raw("/metrics");
    } catch (KubernetesClientException e) {
      metrics = null;
    }
    if (metrics == null || !metrics.contains("apiserver_requested_deprecated_apis")) {
      return new CheckResult(
          "deprecated-apis",
          true,
          false,
          "skipped: the API server does not expose apiserver_requested_deprecated_apis on /metrics"
              + " (check with kubectl get --raw /metrics, or pluto)",
          null);
    }
    List<String> removed = new ArrayList<>();
    List<String> later = new ArrayList<>();
    for (DeprecatedApi d : DeprecatedApi.parse(metrics)) {
      KubeVersion gone = KubeVersion.parse(d.removedRelease() + ".0");
      if (to != null
          && gone != null
          && gone.compareTo(new KubeVersion(to.major(), to.minor(), 0)) <= 0) {
        removed.add(d.label());
      } else {
        later.add(d.label());
      }
    }
    if (!removed.isEmpty()) {
      return new CheckResult(
          "deprecated-apis",
          false,
          false,
          "requested APIs removed by " + to + ": " + String.join(", ", removed),
          "move the clients that request them to the replacement API versions, then retry");
    }
    return new CheckResult(
        "deprecated-apis",
        true,
        false,
        later.isEmpty()
            ? "no deprecated API requested since the API server started"
            : "deprecated APIs still requested (removed after "
                + to
                + "): "
                + String.join(", ", later),
        null);
  }

  /** One series of {@code apiserver_requested_deprecated_apis}. */
  record DeprecatedApi(String group, String version, String resource, String removedRelease) {
    String label() {
      return (group == null || group.isEmpty() ? "" : group + "/")
          + version
          + " "
          + resource
          + (removedRelease == null || removedRelease.isEmpty()
              ? ""
              : " (removed in " + removedRelease + ")");
    }

    static List<DeprecatedApi> parse(String metrics) {
      List<DeprecatedApi> out = new ArrayList<>();
      for (String line : metrics.split("\n")) {
        if (!line.startsWith("apiserver_requested_deprecated_apis{")) {
          continue;
        }
        int close = line.lastIndexOf('}');
        if (close < 0 || line.substring(close + 1).trim().startsWith("0")) {
          continue;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : line.substring(line.indexOf('{') + 1, close).split(",")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            labels.put(
                pair.substring(0, eq).trim(), pair.substring(eq + 1).trim().replace("\"", ""));
          }
        }
        out.add(
            new DeprecatedApi(
                labels.get("group"),
                labels.get("version"),
                labels.get("resource"),
                labels.get("removed_release")));
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- node state

  @Override
  public NodeState nodeState(UpgradeNodeRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    String name = request.node().name();
    try {
      Node n = existing(kube, name);
      return new NodeState(
          name,
          kubeletVersion(n),
          "Ready".equals(NodeObjects.readiness(n)),
          cordoned(n),
          attempt());
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("read Node " + name, e);
    }
  }

  /** The Node {@code name}; a non-retryable NodeNotFound when the node has left the cluster. */
  private static Node existing(KubernetesClient kube, String name) {
    Node n = kube.nodes().withName(name).get();
    if (n == null) {
      throw NodeShell.failure(
          "Node " + name + " does not exist in the cluster",
          FailureTypes.NODE_NOT_FOUND,
          true,
          "",
          "the node left the cluster: join it again (graft expand) or remove it from the inventory");
    }
    return n;
  }

  private static String kubeletVersion(Node n) {
    return n.getStatus() == null || n.getStatus().getNodeInfo() == null
        ? null
        : n.getStatus().getNodeInfo().getKubeletVersion();
  }

  private static boolean cordoned(Node n) {
    return n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
  }

  /**
   * A merge patch of spec.unschedulable only: no read-modify-write race with the kubelet's status
   * updates.
   */
  private static void setUnschedulable(KubernetesClient kube, String name, boolean value) {
    kube.nodes()
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"unschedulable\":" + value + "}}");
  }

  // ---------------------------------------------------------------- drain

  @Override
  public StepOutcome drain(UpgradeNodeRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    String name = request.node().name();
    Duration timeout = request.timeout() == null ? DEFAULT_TIMEOUT : request.timeout();
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    AtomicReference<String> status = new AtomicReference<>(name + " drain: cordoning");
    try (Liveness alive = Liveness.start(ctx, status::get)) {
      Node n = existing(kube, name);
      boolean wasCordoned = cordoned(n);
      if (!wasCordoned) {
        setUnschedulable(kube, name, true);
        LOG.info("cordoned cluster={} node={}", request.cluster(), name);
      }
      Instant deadline = Instant.now().plus(timeout);
      Set<String> evicted = new TreeSet<>();
      boolean first = true;
      while (true) {
        List<Pod> left = evictable(kube, name);
        if (left.isEmpty()) {
          if (wasCordoned && first) {
            return StepOutcome.alreadyDone(
                name + " is already cordoned and drained (only mirror and DaemonSet pods left)",
                "",
                attempt());
          }
          LOG.info("drained cluster={} node={} evicted={}", request.cluster(), name, evicted);
          return StepOutcome.did(
              (wasCordoned ? "" : "cordoned and ")
                  + "drained "
                  + name
                  + ": evicted "
                  + (evicted.isEmpty() ? "nothing" : evicted.size() + " pod(s)"),
              String.join("\n", evicted),
              attempt());
        }
        first = false;
        List<Pod> unmanaged =
            left.stream().filter(p -> Selectors.unmanaged(p) && !Selectors.finished(p)).toList();
        if (!unmanaged.isEmpty()) {
          // kubectl drain refuses these without --force too: evicted, they would be gone for good.
          throw NodeShell.failure(
              name
                  + ": drain blocked: pods without a controller would be lost: "
                  + unmanaged.stream().map(Selectors::name).collect(Collectors.joining(", ")),
              FailureTypes.DRAIN_BLOCKED,
              true,
              unmanaged.stream().map(Selectors::name).collect(Collectors.joining("\n")),
              "delete those pods or run them under a controller (Deployment, StatefulSet, Job), then retry; "
                  + name
                  + " stays cordoned");
        }
        Map<String, String> blocked = new LinkedHashMap<>();
        for (Pod p : left) {
          if (p.getMetadata().getDeletionTimestamp() != null) {
            continue; // evicted already: waiting for it to terminate
          }
          status.set(name + " drain: evicting " + Selectors.name(p));
          try {
            if (kube.pods()
                .inNamespace(p.getMetadata().getNamespace())
                .withName(p.getMetadata().getName())
                .evict()) {
              evicted.add(Selectors.name(p));
            } else {
              blocked.put(Selectors.name(p), blockers(kube, p));
            }
          } catch (KubernetesClientException e) {
            if (e.getCode() != 404) { // gone meanwhile: that is what we want
              throw e;
            }
          }
        }
        String waiting =
            left.stream()
                .map(Selectors::name)
                .filter(p -> !blocked.containsKey(p))
                .collect(Collectors.joining(", "));
        status.set(
            name
                + " drain: "
                + left.size()
                + " pod(s) left"
                + (blocked.isEmpty() ? "" : "; blocked: " + describe(blocked))
                + (waiting.isEmpty() ? "" : "; terminating: " + waiting));
        if (Instant.now().isAfter(deadline)) {
          String tail =
              left.stream()
                  .map(
                      p ->
                          Selectors.name(p)
                              + (blocked.containsKey(Selectors.name(p))
                                  ? ": eviction refused by " + blocked.get(Selectors.name(p))
                                  : ": still terminating"))
                  .collect(Collectors.joining("\n"));
          // Non-retryable: waiting longer on its own would not relax a budget; an operator decides.
          throw NodeShell.failure(
              name
                  + ": drain did not finish within "
                  + timeout.toSeconds()
                  + " s: "
                  + left.size()
                  + " pod(s) left"
                  + (blocked.isEmpty() ? "" : ", blocked by " + describe(blocked)),
              FailureTypes.DRAIN_BLOCKED,
              true,
              tail,
              "scale the workload or relax the PDB, then retry the step ("
                  + name
                  + " stays cordoned; abort uncordons it)");
        }
        ctx.heartbeat(status.get()); // throws when the step is cancelled
        alive.beaten();
        Thread.sleep(pollInterval.toMillis());
      }
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("drain Node " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure(
          "interrupted while draining " + name, FailureTypes.INTERRUPTED);
    }
  }

  /** Pods on the node that a drain evicts: everything but mirror and DaemonSet pods. */
  private static List<Pod> evictable(KubernetesClient kube, String node) {
    return kube.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems().stream()
        .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
        .filter(p -> !Selectors.mirror(p) && !Selectors.daemonSet(p))
        .toList();
  }

  /** The budgets that cover {@code pod} and allow no disruption now (what a 429 means), named. */
  private static String blockers(KubernetesClient kube, Pod pod) {
    List<String> names =
        kube
            .policy()
            .v1()
            .podDisruptionBudget()
            .inNamespace(pod.getMetadata().getNamespace())
            .list()
            .getItems()
            .stream()
            .filter(b -> Selectors.covers(b, pod))
            .map(
                b ->
                    "PodDisruptionBudget "
                        + Selectors.name(b)
                        + " (disruptionsAllowed "
                        + Selectors.disruptionsAllowed(b)
                        + ")")
            .toList();
    return names.isEmpty()
        ? "the API server (429, no matching budget found)"
        : String.join(" and ", names);
  }

  private static String describe(Map<String, String> blocked) {
    return blocked.entrySet().stream()
        .map(e -> e.getKey() + " by " + e.getValue())
        .collect(Collectors.joining(", "));
  }

  // ---------------------------------------------------------------- ready, uncordon

  @Override
  public StepOutcome awaitReadyAndUncordon(UpgradeNodeRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    String name = request.node().name();
    KubeVersion to = UpgradeFacts.target(request.to());
    Duration timeout = request.timeout() == null ? DEFAULT_TIMEOUT : request.timeout();
    Function<Node, String> describe =
        n ->
            (n == null ? "no Node object" : NodeObjects.readiness(n))
                + ", kubelet "
                + (n == null ? null : kubeletVersion(n));
    return NodeWait.until(
        kube,
        name,
        timeout,
        pollInterval,
        describe,
        (n, waited) -> {
          if (n == null
              || !"Ready".equals(NodeObjects.readiness(n))
              || !to.equals(KubeVersion.parse(kubeletVersion(n)))) {
            return null;
          }
          String seen = name + ": " + describe.apply(n);
          if (!cordoned(n)) {
            return waited
                ? StepOutcome.did(name + " is Ready at " + to + " and schedulable", seen, attempt())
                : StepOutcome.alreadyDone(
                    name + " was already Ready at " + to + " and schedulable", seen, attempt());
          }
          setUnschedulable(kube, name, false);
          LOG.info(
              "Node Ready at target, uncordoned cluster={} node={} version={}",
              request.cluster(),
              name,
              to);
          return StepOutcome.did(name + " is Ready at " + to + "; uncordoned", seen, attempt());
        },
        saw ->
            NodeShell.failure(
                "Node "
                    + name
                    + " not Ready at "
                    + to
                    + " after "
                    + timeout.toSeconds()
                    + " s: "
                    + saw.replace(", kubelet ", ", kubelet reports "),
                FailureTypes.NODE_NOT_READY,
                false,
                name + ": " + saw,
                "check the kubelet on the node (systemctl status kubelet, journalctl -u kubelet); the step retries"));
  }

  @Override
  public StepOutcome uncordon(UpgradeNodeRequest request) {
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    String name = request.node().name();
    try {
      Node n = kube.nodes().withName(name).get();
      if (n == null) {
        return StepOutcome.alreadyDone(
            "Node " + name + " does not exist; nothing to uncordon", "", attempt());
      }
      if (!cordoned(n)) {
        return StepOutcome.alreadyDone(name + " is not cordoned", "", attempt());
      }
      setUnschedulable(kube, name, false);
      LOG.info("uncordoned cluster={} node={}", request.cluster(), name);
      return StepOutcome.did("uncordoned " + name, "", attempt());
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("uncordon Node " + name, e);
    }
  }
}
