package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft expand -i FILE [--kubeconfig F] [--known-hosts F] [--require-approval]
 * [--max-parallel N] [--watch] [-o json]}: submits an expansion through the REST API. The inventory
 * travels as text; the kubeconfig, known_hosts and key files as absolute paths the server reads
 * (the same machine under {@code graft dev}).
 */
public final class ExpandCommand extends ApiCommand {
  public ExpandCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super(
        "expand",
        "Add the inventory's new nodes to the cluster (an operation on the server).",
        out,
        err);
  }

  @Override
  void arguments(Subparser s) {
    OperationSubmit.inventoryArgument(s, "kubespray INI or YAML, MetalK8s Nodes, or Graft YAML");
    OperationSubmit.kubeconfigArgument(
        s,
        false,
        "admin kubeconfig of an existing kubeadm cluster: Graft reads kubeadm-config,"
            + " cluster-info, the Nodes and the etcd members from it");
    OperationSubmit.sshArguments(s);
    OperationSubmit.approvalArguments(s, true);
    s.addArgument("--exclude-failed-prechecks")
        .dest("excludeFailed")
        .action(Arguments.storeTrue())
        .help("go on without the nodes whose pre-checks fail");
    s.addArgument("--max-parallel")
        .dest("maxParallel")
        .type(Integer.class)
        .metavar("N")
        .help("workers joining at once (default 5)");
    OperationSubmit.followArguments(s);
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    ObjectNode body = OperationSubmit.body(ns, "expand", err);
    if (body == null) {
      return 1;
    }
    ObjectNode options = (ObjectNode) body.get("options");
    options.put("excludeFailedPrechecks", Boolean.TRUE.equals(ns.getBoolean("excludeFailed")));
    if (ns.getInt("maxParallel") != null) {
      options.put("maxParallel", ns.getInt("maxParallel"));
    }
    return OperationSubmit.submit(
        api,
        ns,
        body,
        out,
        err,
        accepted ->
            "adds "
                + accepted.at("/plan/additions").size()
                + " nodes to cluster "
                + accepted.path("cluster").asText(),
        false);
  }
}
