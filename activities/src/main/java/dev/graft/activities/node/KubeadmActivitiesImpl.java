package dev.graft.activities.node;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.common.Liveness;
import dev.graft.activities.common.Shell;
import dev.graft.activities.common.ShellValues;
import dev.graft.activities.kube.BootstrapTokens;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.KubeFailures;
import dev.graft.activities.kube.KubeadmConfigReader;
import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.ssh.Redactor;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.join.JoinRequest;
import dev.graft.workflows.join.KubeadmActivities;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.step.StepOutcome;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.activity.Activity;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kubeadm join and reset over SSH. The bootstrap token (15 min TTL) and the certificate key are
 * minted here, used here, redacted from every output and failure, and the token is deleted when the
 * call ends: none of them reaches workflow history.
 */
public final class KubeadmActivitiesImpl implements KubeadmActivities {
  private static final Logger LOG = LoggerFactory.getLogger(KubeadmActivitiesImpl.class);
  static final String JOINED_MARKER = "/etc/kubernetes/kubelet.conf";
  private static final Duration JOIN_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration SHORT = Duration.ofSeconds(30);

  private final NodeShell shell;
  private final KubeClients clients;
  private final JoinRepair repair;

  public KubeadmActivitiesImpl(NodeShell shell, KubeClients clients) {
    this.shell = shell;
    this.clients = clients;
    this.repair = new JoinRepair(shell);
  }

  /** host:port from "https://host:port" or "host:port"; validated before it reaches a command. */
  static String endpoint(String apiEndpoint) {
    String e = apiEndpoint == null ? "" : apiEndpoint.trim();
    String hostPort = e.contains("://") ? URI.create(e).getAuthority() : e;
    int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw NodeShell.failure(
          "the API endpoint '" + apiEndpoint + "' is not host:port",
          FailureTypes.INVALID_INPUT,
          true,
          "",
          "set apiEndpoint in the inventory, e.g. https://10.0.0.10:6443");
    }
    ShellValues.host("apiEndpoint host", hostPort.substring(0, colon));
    ShellValues.port("apiEndpoint port", hostPort.substring(colon + 1));
    return hostPort;
  }

  @Override
  public StepOutcome join(JoinRequest request) {
    // The API calls around the SSH commands (kubeadm-config, the CA, the token) heartbeat too: a
    // slow API must not look like a dead worker to a 15 s heartbeat timeout.
    try (Liveness alive =
        Liveness.start(
            Activity.getExecutionContext(),
            () -> request.node().name() + " kubeadm join: preparing")) {
      return joinAlive(request);
    }
  }

  private StepOutcome joinAlive(JoinRequest request) {
    NodeSpec node = request.node();
    ShellValues.dns1123Subdomain("node name", node.name());
    boolean controlPlane = node.hasRole(Role.CONTROL_PLANE);
    // An earlier attempt of this step may have started kubeadm join and then lost its worker:
    // the join ran on, detached. Attach to it (or take its result) instead of joining twice.
    String runKey = NodeShell.runKey("kubeadm-join");
    Optional<NodeShell.DetachedRun> earlier =
        shell.resumeDetached(node, runKey, "kubeadm join", JOIN_TIMEOUT, List.of());
    if (earlier.isPresent()) {
      return joined(node, controlPlane, earlier.get(), request.cluster(), List.of());
    }
    if (controlPlane && request.certificateSource() == null) {
      throw NodeShell.failure(
          "control-plane join of " + node.name() + " needs an existing control-plane node",
          FailureTypes.INVALID_INPUT,
          true,
          "",
          "the inventory must have a control-plane node that is already in the cluster");
    }
    String endpoint = endpoint(request.apiEndpoint());
    KubernetesClient kube = clients.forKubeconfig(request.kubeconfig());
    // Decided from the node and the cluster, never from the attempt number (see JoinRepair).
    boolean stacked;
    try {
      stacked =
          controlPlane
              && new KubeadmConfigReader(kube).read().etcdTopology() != EtcdTopology.EXTERNAL;
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure(
          "read kubeadm-config before the join of " + node.name(), e);
    }
    JoinRepair.Observation seen = repair.observe(node, stacked, request.certificateSource());
    if (seen.joined(controlPlane, stacked)) {
      return StepOutcome.alreadyDone(
          node.name()
              + " has already joined ("
              + JOINED_MARKER
              + " exists"
              + (controlPlane
                  ? ", its static pod manifests are in place"
                      + (stacked
                          ? " and its etcd member " + seen.member().label() + " is a started voter"
                          : "")
                  : "")
              + ")",
          "",
          attempt());
    }
    List<String> repaired = List.of();
    if (seen.halfJoined()) {
      LOG.info(
          "repairing a half-done join node={} cluster={} found=[{}]",
          node.name(),
          request.cluster(),
          seen.describe());
      repaired = repair.repair(node, seen, request.certificateSource(), kube);
    }
    List<String> secrets = new ArrayList<>();
    BootstrapTokens.Token token = null;
    try {
      String caHash = BootstrapTokens.caCertHash(BootstrapTokens.caPem(kube));
      token = BootstrapTokens.create(kube, Duration.ofMinutes(15), "graft join " + node.name());
      secrets.add(token.secret());
      secrets.add(token.value());
      List<String> argv =
          new ArrayList<>(
              List.of(
                  "kubeadm",
                  "join",
                  endpoint,
                  "--token",
                  token.value(),
                  "--discovery-token-ca-cert-hash",
                  caHash,
                  "--node-name",
                  node.name()));
      if (controlPlane) {
        String certKey = BootstrapTokens.certificateKey();
        secrets.add(certKey);
        // Upload the control-plane certificates, encrypted with the new key, from an existing
        // control-plane node: kubeadm stores them in kube-system/kubeadm-certs for two hours.
        shell.runChecked(
            request.certificateSource(),
            "upload-certs",
            Shell.command(
                "kubeadm",
                "init",
                "phase",
                "upload-certs",
                "--upload-certs",
                "--certificate-key",
                certKey),
            Duration.ofMinutes(2),
            secrets);
        argv.addAll(
            List.of(
                "--control-plane",
                "--certificate-key",
                certKey,
                "--apiserver-advertise-address",
                ShellValues.ip("node ip", node.routeAddress())));
      }
      NodeShell.DetachedRun run =
          shell.runDetached(
              node, runKey, "kubeadm join", Shell.command(argv), JOIN_TIMEOUT, secrets);
      return joined(node, controlPlane, run, request.cluster(), repaired);
    } catch (KubernetesClientException e) {
      throw KubeFailures.toApplicationFailure("prepare the join of " + node.name(), e);
    } catch (IllegalArgumentException e) {
      throw NodeShell.failure(
          Redactor.redact(e.getMessage(), secrets), FailureTypes.INVALID_INPUT, true, "", "");
    } finally {
      if (token != null) {
        try {
          BootstrapTokens.delete(kube, token);
        } catch (RuntimeException e) {
          LOG.warn("could not delete {} (it expires in 15 min): {}", token, e.getMessage());
        }
      }
    }
  }

  private StepOutcome joined(
      NodeSpec node,
      boolean controlPlane,
      NodeShell.DetachedRun run,
      String cluster,
      List<String> repaired) {
    String what = "kubeadm join" + (controlPlane ? " --control-plane" : "");
    String before =
        repaired.isEmpty() ? "" : "repaired a half-done join (" + String.join("; ", repaired) + ")";
    // The run's output is already redacted (NodeShell.run), secrets named or shaped like one.
    CommandResult r =
        NodeShell.checked(
            node,
            what,
            run.result(),
            (before.isEmpty() ? "" : before + ", then the join failed. ")
                + "Retry the step: it resets what the failed join left on the node (and its etcd member) before joining again");
    LOG.info(
        "joined node={} controlPlane={} cluster={} resumed={} repaired={}",
        node.name(),
        controlPlane,
        cluster,
        run.resumed(),
        repaired);
    String summary =
        what
            + " succeeded on "
            + node.name()
            + (run.resumed()
                ? " (resumed: the join an earlier attempt started ran to completion)"
                : "");
    return StepOutcome.did(
        before.isEmpty() ? summary : before + " then joined: " + summary,
        before.isEmpty() ? NodeShell.tail(r) : before + "\n" + NodeShell.tail(r),
        attempt());
  }

  @Override
  public StepOutcome reset(HostRequest request) {
    NodeSpec node = request.node();
    CommandResult r =
        shell.runChecked(
            node,
            "kubeadm reset",
            "if [ -f "
                + JOINED_MARKER
                + " ] || [ -d /etc/kubernetes/pki ]; then kubeadm reset -f && echo reset; else echo never-joined; fi",
            Duration.ofMinutes(3),
            List.of());
    boolean wasJoined = r.stdoutTail().contains("reset");
    return wasJoined
        ? StepOutcome.did("kubeadm reset -f on " + node.name(), NodeShell.tail(r), attempt())
        : StepOutcome.alreadyDone(node.name() + " never joined; nothing to reset", "", attempt());
  }

  @Override
  public StepOutcome pruneRuns(HostRequest request) {
    int n = shell.pruneRuns(request.node());
    return n == 0
        ? StepOutcome.alreadyDone(
            "no finished run directory on " + request.node().name(), "", attempt())
        : StepOutcome.did(
            "removed "
                + n
                + " finished run director"
                + (n == 1 ? "y" : "ies")
                + " on "
                + request.node().name(),
            "",
            attempt());
  }
}
