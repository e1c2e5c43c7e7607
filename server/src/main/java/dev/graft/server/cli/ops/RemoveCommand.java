package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft remove -i INVENTORY --kubeconfig F (--node N [--node M …] | --clean-orphans)
 * [--unreachable] [--require-approval] [--drain-timeout D] [--clean-orphans]
 * [--accept-no-fault-tolerance] [--watch] [-o json]}: submits a removal ({@code kind: remove})
 * through the REST API, as {@code graft upgrade} submits an upgrade (same ids, approvals,
 * decisions, watch and exit codes). The server reads the Nodes and etcd's members through the
 * kubeconfig and refuses, before anything changes, a removal that would lose etcd's quorum or the
 * last control plane (exit 1, with the projection).
 */
public final class RemoveCommand extends ApiCommand {
  public RemoveCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super(
        "remove",
        "Remove nodes (workers, control planes and their etcd members) from the cluster.",
        out,
        err);
  }

  @Override
  void arguments(Subparser s) {
    OperationSubmit.inventoryArgument(
        s,
        "the cluster's inventory, the nodes to remove included (Graft reaches them and the others through it)");
    kubeconfigArgument(s);
    s.addArgument("--node")
        .dest("nodes")
        .metavar("N")
        .action(Arguments.append())
        .help(
            "a node to remove (repeat for several); none with --clean-orphans: only the orphans go");
    s.addArgument("--unreachable")
        .dest("unreachable")
        .action(Arguments.storeTrue())
        .help("the nodes cannot be reached: no drain (the pods left are named), no kubeadm reset");
    s.addArgument("--drain-timeout")
        .dest("drainTimeout")
        .metavar("DURATION")
        .help("how long a node's drain may take before its step needs attention (default 5m)");
    s.addArgument("--clean-orphans")
        .dest("cleanOrphans")
        .action(Arguments.storeTrue())
        .help(
            "remove the orphans the pre-check finds (learners, members without a Node, …) once approved");
    s.addArgument("--accept-no-fault-tolerance")
        .dest("acceptNoFaultTolerance")
        .action(Arguments.storeTrue())
        .help(
            "accept a removal after which etcd keeps its quorum but tolerates no further failure (a healthy"
                + " 3 -> 2): it waits for `graft approve ID --node N --step approve/etcd-member` before the member goes;"
                + " losing the quorum or the last control plane stays refused");
    OperationSubmit.sshArguments(s);
    OperationSubmit.approvalArguments(s, false);
    OperationSubmit.followArguments(s);
  }

  /** The admin kubeconfig, as remove and replace take it. */
  static void kubeconfigArgument(Subparser s) {
    OperationSubmit.kubeconfigArgument(
        s, true, "admin kubeconfig: Graft reads the Nodes and etcd's members through it");
  }

  /**
   * A {@code kind: remove} body (for remove and replace) whose {@code remove} object names {@code
   * nodes}; null when the shared options are wrong (said on {@code err}). A removal has no
   * per-control-plane approval, so that option is left out.
   */
  static ObjectNode body(Namespace ns, List<String> nodes, PrintStream err) throws IOException {
    ObjectNode body = OperationSubmit.body(ns, "remove", err);
    if (body == null) {
      return null;
    }
    ((ObjectNode) body.get("options")).remove("approveEachControlPlane");
    ArrayNode names = body.putObject("remove").putArray("nodes");
    nodes.forEach(names::add);
    return body;
  }

  /**
   * Sets {@code field} to true when the flag at {@code dest} was given; leaves it out otherwise.
   */
  static void flag(Namespace ns, String dest, ObjectNode into, String field) {
    if (Boolean.TRUE.equals(ns.getBoolean(dest))) {
      into.put(field, true);
    }
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    List<String> names = ns.getList("nodes") == null ? List.of() : ns.getList("nodes");
    if (names.isEmpty() && !Boolean.TRUE.equals(ns.getBoolean("cleanOrphans"))) {
      err.println(
          "graft remove: name a node with --node N, or pass --clean-orphans (without --node) to remove"
              + " only what earlier changes left behind");
      return 1;
    }
    ObjectNode body = body(ns, names, err);
    if (body == null) {
      return 1;
    }
    ObjectNode remove = (ObjectNode) body.get("remove");
    flag(ns, "unreachable", remove, "unreachable");
    flag(ns, "cleanOrphans", remove, "cleanOrphans");
    flag(ns, "acceptNoFaultTolerance", remove, "acceptNoFaultTolerance");
    if (ns.getString("drainTimeout") != null) {
      remove.put("drainTimeout", ns.getString("drainTimeout"));
    }
    return OperationSubmit.submit(
        api, ns, body, out, err, accepted -> describe(accepted.path("removal")), true);
  }

  /**
   * "removes k8s-node4 (worker), k8s-node1 (control plane, etcd leader: leadership moves first) …".
   */
  static String describe(JsonNode plan) {
    List<String> parts = new ArrayList<>();
    for (JsonNode n : plan.path("nodes")) {
      parts.add(
          n.path("node").path("name").asText()
              + " ("
              + (n.path("controlPlane").asBoolean() ? "control plane" : "worker")
              + (n.path("memberId").isMissingNode() || n.path("memberId").isNull()
                  ? ""
                  : ", etcd member " + n.path("memberId").asText())
              + ")");
    }
    StringBuilder b =
        new StringBuilder(
            parts.isEmpty()
                ? "removes no node from cluster "
                    + plan.path("cluster").asText()
                    + ": only the orphans its pre-check"
                    + " finds, once an operator approves approve/orphans"
                : "removes "
                    + String.join(", ", parts)
                    + " from cluster "
                    + plan.path("cluster").asText());
    for (JsonNode q : plan.path("quorum")) {
      b.append("\n  ").append(q.path("message").asText());
    }
    if (plan.hasNonNull("leaderMove")) {
      b.append("\n  ").append(plan.path("leaderMove").asText());
    }
    for (JsonNode w : plan.path("warnings")) {
      b.append("\n  warning ")
          .append(w.path("code").asText())
          .append(": ")
          .append(w.path("message").asText());
    }
    return b.toString();
  }
}
