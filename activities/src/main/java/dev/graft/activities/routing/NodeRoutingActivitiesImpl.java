package dev.graft.activities.routing;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.common.InvalidValueException;
import dev.graft.activities.common.Shell;
import dev.graft.activities.common.ShellValues;
import dev.graft.activities.routing.PodNetworkFiles.NodeFile;
import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.ssh.RemoteShell;
import dev.graft.activities.ssh.SshFailures;
import dev.graft.activities.ssh.SshOperationException;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.Cidr;
import dev.graft.workflows.plan.Route;
import dev.graft.workflows.routing.NodeRoutesRequest;
import dev.graft.workflows.routing.NodeRoutingActivities;
import dev.graft.workflows.routing.PairResult;
import dev.graft.workflows.routing.PodCidrAllocator;
import dev.graft.workflows.routing.ProbeTarget;
import dev.graft.workflows.routing.RoutePlan;
import dev.graft.workflows.routing.VerifyRequest;
import dev.graft.workflows.routing.VerifyResult;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.failure.ApplicationFailure;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's routed pod network over SSH. {@link #program} observes first (file hashes, then the
 * apply script's own checks, which only read) and changes only what differs, so a second run sends
 * no mutating command and reports already-satisfied. {@link #verify} pings from a probe namespace
 * it creates on the node's bridge and always removes.
 */
public final class NodeRoutingActivitiesImpl implements NodeRoutingActivities {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRoutingActivitiesImpl.class);
  private static final Duration SHORT = Duration.ofSeconds(30);
  private static final Duration APPLY = Duration.ofMinutes(3);
  private static final Duration PROBE = Duration.ofMinutes(2);

  private final NodeShell shell;
  private final RemoteShell remote;

  public NodeRoutingActivitiesImpl(NodeShell shell, RemoteShell remote) {
    this.shell = shell;
    this.remote = remote;
  }

  @Override
  public StepOutcome program(NodeRoutesRequest request) {
    NodeSpec node = request.node();
    String bridgeAddress = validate(request);
    String conf =
        PodNetworkFiles.conf(
            request.cluster(), node.name(), bridgeAddress, request.clusterCidr(), request.routes());
    List<NodeFile> files = PodNetworkFiles.all(conf);

    List<String> changes = new ArrayList<>();
    List<NodeFile> differing = differing(node, files);
    if (!differing.isEmpty()) {
      Set<String> dirs = new LinkedHashSet<>();
      differing.forEach(f -> dirs.add(f.path().substring(0, f.path().lastIndexOf('/'))));
      List<String> mkdir = new ArrayList<>(List.of("mkdir", "-p", "--"));
      mkdir.addAll(dirs);
      shell.runChecked(node, "mkdir", Shell.command(mkdir), SHORT, List.of());
      for (NodeFile f : differing) {
        try {
          remote.putFile(NodeShell.target(node), f.path(), f.content(), f.mode(), SHORT);
        } catch (SshOperationException e) {
          ApplicationFailure af = SshFailures.toApplicationFailure(e);
          throw NodeShell.failure(
              node.name() + ": writing " + f.path() + ": " + af.getOriginalMessage(),
              af.getType(),
              af.isNonRetryable(),
              "",
              "check the node's disk and sshd, then retry");
        }
        changes.add("wrote " + f.path());
      }
    }
    boolean reload = differing.stream().anyMatch(f -> f.path().equals(PodNetworkFiles.UNIT));
    String sync =
        reload
            ? Shell.command(PodNetworkFiles.SCRIPT, "sync", "--reload")
            : Shell.command(PodNetworkFiles.SCRIPT, "sync");
    CommandResult r = shell.run(node, "pod-network sync", sync, APPLY, List.of());
    if (r.exitCode() != null && r.exitCode() == 3) {
      throw NodeShell.failure(
          node.name() + ": the node's pod network conflicts with Graft's plan",
          FailureTypes.POD_NETWORK_CONFLICT,
          true,
          NodeShell.tail(r),
          "the output says what is in the way; fix it on the node, then retry");
    }
    if (!r.succeeded()) {
      throw NodeShell.failure(
          node.name() + ": pod-network sync failed (" + r.status() + ")",
          FailureTypes.REMOTE_COMMAND_FAILED,
          false,
          NodeShell.tail(r),
          "read the output, fix the node, then retry");
    }
    r.stdoutTail()
        .lines()
        .filter(l -> l.startsWith("changed: "))
        .map(l -> l.substring(9))
        .forEach(changes::add);
    String what =
        request.routes().size()
            + " route(s), "
            + PodNetworkFiles.BRIDGE
            + " "
            + bridgeAddress
            + ", forwarding for "
            + request.clusterCidr();
    if (changes.isEmpty()) {
      return StepOutcome.alreadyDone("already in place: " + what, NodeShell.tail(r), attempt());
    }
    LOG.info(
        "pod network programmed cluster={} node={} changes={}",
        request.cluster(),
        node.name(),
        changes);
    return StepOutcome.did(
        what + "; changed: " + String.join("; ", changes), NodeShell.tail(r), attempt());
  }

  /** Validates every value that reaches the node; returns the bridge address. */
  private static String validate(NodeRoutesRequest request) {
    try {
      ShellValues.dns1123Label("cluster", request.cluster());
      ShellValues.dns1123Subdomain("node", request.node().name());
      Cidr network = ipv4Cidr("pod network", request.clusterCidr());
      Cidr own = ipv4Cidr("node " + request.node().name() + " pod CIDR", request.podCidr());
      if (!network.contains(own) || own.prefix() > PodCidrAllocator.MAX_NODE_MASK) {
        throw new InvalidValueException(
            "pod CIDR",
            request.podCidr(),
            "must lie inside the pod network "
                + network
                + " and be a /"
                + PodCidrAllocator.MAX_NODE_MASK
                + " or larger");
      }
      for (Route route : request.routes()) {
        ShellValues.dns1123Subdomain("route node", route.viaNode());
        ipv4Cidr("route to " + route.viaNode(), route.destination());
        ShellValues.ipv4("route to " + route.viaNode() + " via", route.via());
        if (Cidr.parse(route.destination()).overlaps(own)) {
          throw new InvalidValueException(
              "route to " + route.viaNode(),
              route.destination(),
              "overlaps this node's own pod CIDR " + own);
        }
      }
      return RoutePlan.bridgeAddress(request.podCidr());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureTypes.INVALID_INPUT);
    }
  }

  private static Cidr ipv4Cidr(String field, String value) {
    ShellValues.cidr(field, value);
    try {
      return Cidr.parse(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidValueException(
          field, value, "must be an IPv4 CIDR (routed mode is IPv4 only)");
    }
  }

  /** The files whose content or mode on the node differs from what Graft writes. */
  private List<NodeFile> differing(NodeSpec node, List<NodeFile> files) {
    List<String> paths = files.stream().map(NodeFile::path).toList();
    String script =
        "for f in "
            + String.join(" ", paths.stream().map(Shell::quote).toList())
            + "; do\n"
            + "  if [ -f \"$f\" ]; then printf '%s %s %s\\n' \"$f\" \"$(sha256sum <\"$f\" | cut -d' ' -f1)\""
            + " \"$(stat -c %a \"$f\")\"; fi\n"
            + "done\n";
    CommandResult r = shell.runChecked(node, "pod-network files", script, SHORT, List.of());
    Map<String, String> seen = new HashMap<>();
    for (String line : r.stdoutTail().split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length == 3) {
        seen.put(f[0], f[1] + " " + f[2]);
      }
    }
    List<NodeFile> out = new ArrayList<>();
    for (NodeFile f : files) {
      String want = sha256(f.content()) + " " + Integer.toOctalString(f.mode());
      if (!want.equals(seen.get(f.path()))) {
        out.add(f);
      }
    }
    return out;
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public VerifyResult verify(VerifyRequest request) {
    NodeSpec node = request.source();
    String probe;
    String gateway;
    List<String> argv = new ArrayList<>();
    try {
      ShellValues.dns1123Subdomain("node", node.name());
      Cidr network = ipv4Cidr("pod network", request.clusterCidr());
      Cidr own = ipv4Cidr("node " + node.name() + " pod CIDR", request.sourcePodCidr());
      probe = RoutePlan.probeAddress(own.toString());
      gateway = RoutePlan.gateway(own.toString());
      argv.addAll(
          List.of(
              "sh",
              "-c",
              ProbeScript.TEXT,
              "graft-probe",
              probe,
              gateway,
              network.toString(),
              PodNetworkFiles.BRIDGE));
      for (ProbeTarget t : request.targets()) {
        ShellValues.dns1123Subdomain("target node", t.node());
        ShellValues.ipv4("target " + t.node(), t.address());
        // The probe only ever sends to pod addresses: never to the node network or beyond.
        if (!network.contains(Cidr.parseAddress(t.address()))) {
          throw new InvalidValueException(
              "target " + t.node(), t.address(), "must lie inside the pod network " + network);
        }
        argv.add(t.address());
      }
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureTypes.INVALID_INPUT);
    }
    if (request.targets().isEmpty()) {
      return new VerifyResult(node.name(), List.of(), "no other node to reach", "", attempt());
    }
    CommandResult r = shell.run(node, "pod-network probe", Shell.command(argv), PROBE, List.of());
    if (r.exitCode() != null && r.exitCode() == 4) {
      throw NodeShell.failure(
          node.name() + ": cannot probe: " + r.stderrTail().strip(),
          FailureTypes.PROBE_UNAVAILABLE,
          true,
          NodeShell.tail(r),
          "fix what the message says on the node, then retry (or skip the verification)");
    }
    if (!r.succeeded()) {
      throw NodeShell.failure(
          node.name() + ": the probe failed (" + r.status() + ")",
          FailureTypes.REMOTE_COMMAND_FAILED,
          false,
          NodeShell.tail(r),
          "read the output, then retry");
    }
    List<PairResult> pairs = ProbeOutput.parse(node.name(), request.targets(), r.stdoutTail());
    long bad = pairs.stream().filter(p -> !p.reachable()).count();
    // A large cluster's row lists the unreachable pairs only: n reachable cells from each of n
    // nodes would make the routing history grow as n².
    List<PairResult> row =
        request.unreachableOnly() ? pairs.stream().filter(p -> !p.reachable()).toList() : pairs;
    String matrix =
        ProbeOutput.render(row)
            + (request.unreachableOnly()
                ? (pairs.size() - bad) + " of " + pairs.size() + " reachable (not listed)\n"
                : "");
    if (bad > 0) {
      throw NodeShell.failure(
          node.name()
              + ": "
              + bad
              + " of "
              + pairs.size()
              + " pod network(s) unreachable from "
              + probe,
          FailureTypes.POD_NETWORK_UNREACHABLE,
          false,
          matrix,
          "check the routes (ip route show proto "
              + PodNetworkFiles.PROTO
              + ") and the FORWARD rules on both"
              + " nodes, then retry");
    }
    LOG.info(
        "pod network verified cluster={} node={} targets={}",
        request.cluster(),
        node.name(),
        pairs.size());
    return new VerifyResult(
        node.name(),
        row,
        "reached " + pairs.size() + " pod network(s) from " + probe,
        matrix,
        attempt());
  }
}
