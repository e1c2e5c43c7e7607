package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft upgrade -i INVENTORY --kubeconfig F --to vX.Y.Z [--require-approval]
 * [--approve-each-control-plane] [--max-unavailable N|P%] [--drain-timeout D] [--watch] [-o json]}:
 * submits an upgrade through the REST API, as {@code graft expand} submits an expansion (same ids,
 * approvals, decisions, watch and exit codes). The server reads the cluster's versions through the
 * kubeconfig and refuses the upgrade before anything changes when the plan is refused.
 */
public final class UpgradeCommand extends ApiCommand {
  public UpgradeCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super(
        "upgrade",
        "Upgrade the cluster's Kubernetes version, node by node (an operation on the server).",
        out,
        err);
  }

  @Override
  void arguments(Subparser s) {
    OperationSubmit.inventoryArgument(
        s, "kubespray INI or YAML, MetalK8s Nodes, or Graft YAML: the nodes to upgrade");
    OperationSubmit.kubeconfigArgument(
        s,
        true,
        "admin kubeconfig: Graft reads kubeadm-config's version and every kubelet's from it");
    s.addArgument("--to")
        .dest("to")
        .metavar("vX.Y.Z")
        .required(true)
        .help("the target Kubernetes version (one minor up at most, or a patch)");
    s.addArgument("--max-unavailable")
        .dest("maxUnavailable")
        .metavar("N|P%")
        .help("workers upgraded at once: a count or a percentage of the workers (default 1)");
    s.addArgument("--drain-timeout")
        .dest("drainTimeout")
        .metavar("DURATION")
        .help("how long a node's drain may take before its step needs attention (default 5m)");
    OperationSubmit.sshArguments(s);
    OperationSubmit.approvalArguments(s, true);
    OperationSubmit.followArguments(s);
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    ObjectNode body = OperationSubmit.body(ns, "upgrade", err);
    if (body == null) {
      return 1;
    }
    ObjectNode upgrade = body.putObject("upgrade");
    upgrade.put("to", ns.getString("to"));
    if (ns.getString("maxUnavailable") != null) {
      upgrade.put("maxUnavailable", ns.getString("maxUnavailable"));
    }
    if (ns.getString("drainTimeout") != null) {
      upgrade.put("drainTimeout", ns.getString("drainTimeout"));
    }
    return OperationSubmit.submit(
        api,
        ns,
        body,
        out,
        err,
        accepted -> describe(accepted.path("upgrade"), accepted.path("cluster").asText()),
        true);
  }

  /**
   * "upgrades 3 nodes of cluster prod from v1.30.2 to v1.31.0 (1 control plane, workers 1 at
   * once)".
   */
  static String describe(JsonNode plan, String cluster) {
    int cps = plan.path("controlPlanes").size();
    int workers = 0;
    for (JsonNode b : plan.path("workerBatches")) {
      workers += b.size();
    }
    return "upgrades "
        + (cps + workers)
        + " nodes of cluster "
        + cluster
        + " from "
        + plan.path("from").asText()
        + " to "
        + plan.path("to").asText()
        + " ("
        + cps
        + " control plane"
        + (cps == 1 ? "" : "s")
        + " one at a time, "
        + workers
        + " worker"
        + (workers == 1 ? "" : "s")
        + " up to "
        + plan.path("maxUnavailable").asInt(1)
        + " at once)";
  }
}
