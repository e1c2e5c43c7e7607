package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft replace -i INVENTORY --kubeconfig F --node OLD --with NEW [--unreachable]
 * [--require-approval] [--drain-timeout D] [--watch] [-o json]}: one operation ({@code kind:
 * remove} with {@code remove.with}) that adds the control plane NEW through the expansion's
 * workflow and removes OLD: NEW first while OLD's etcd member is healthy (3 -> 4 -> 3), OLD first
 * when it is dead or {@code --unreachable} (the projection allows removing a dead member). The
 * inventory lists both.
 */
public final class ReplaceCommand extends ApiCommand {
  public ReplaceCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super(
        "replace",
        "Replace a control-plane node: add the new one and remove the old one, in one operation.",
        out,
        err);
  }

  @Override
  void arguments(Subparser s) {
    OperationSubmit.inventoryArgument(
        s, "the cluster's inventory, listing both the old node and the new control plane");
    RemoveCommand.kubeconfigArgument(s);
    s.addArgument("--node")
        .dest("node")
        .metavar("OLD")
        .required(true)
        .help("the control plane to replace");
    s.addArgument("--with")
        .dest("with")
        .metavar("NEW")
        .required(true)
        .help("the control plane that takes its place (in the inventory, not in the cluster yet)");
    s.addArgument("--unreachable")
        .dest("unreachable")
        .action(Arguments.storeTrue())
        .help(
            "OLD cannot be reached: it is removed first (no drain, no kubeadm reset), then NEW joins");
    s.addArgument("--drain-timeout")
        .dest("drainTimeout")
        .metavar("DURATION")
        .help("how long OLD's drain may take before its step needs attention (default 5m)");
    OperationSubmit.sshArguments(s);
    OperationSubmit.approvalArguments(s, false);
    OperationSubmit.followArguments(s);
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    ObjectNode body = RemoveCommand.body(ns, List.of(ns.getString("node")), err);
    if (body == null) {
      return 1;
    }
    ObjectNode remove = (ObjectNode) body.get("remove");
    remove.put("with", ns.getString("with"));
    RemoveCommand.flag(ns, "unreachable", remove, "unreachable");
    if (ns.getString("drainTimeout") != null) {
      remove.put("drainTimeout", ns.getString("drainTimeout"));
    }
    return OperationSubmit.submit(
        api,
        ns,
        body,
        out,
        err,
        accepted -> {
          var plan = accepted.path("removal");
          return "replaces "
              + ns.getString("node")
              + " with "
              + ns.getString("with")
              + " ("
              + (plan.path("addFirst").asBoolean() ? "added first" : "removed first")
              + ")\n  "
              + RemoveCommand.describe(plan);
        },
        true);
  }
}
