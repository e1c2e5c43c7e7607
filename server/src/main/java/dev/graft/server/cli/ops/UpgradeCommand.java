package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft upgrade -i INVENTORY --kubeconfig F --to vX.Y.Z [--require-approval]
 * [--approve-each-control-plane] [--max-unavailable N|P%] [--drain-timeout D] [--watch] [-o
 * json]}: submits an upgrade through the REST API, as {@code graft expand} submits an expansion
 * (same ids, approvals, decisions, watch and exit codes). The server reads the cluster's versions
 * through the kubeconfig and refuses the upgrade before anything changes when the plan is refused.
 */
public final class UpgradeCommand extends ApiCommand {
  public UpgradeCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super("upgrade", "Upgrade the cluster's Kubernetes version, node by node (an operation on the server).",
        out, err);
  }

  @Override
  void arguments(Subparser s) {
    s.addArgument("-i", "--inventory").dest("inventory").metavar("FILE").required(true)
        .help("kubespray INI or YAML, MetalK8s Nodes, or Graft YAML: the nodes to upgrade");
    s.addArgument("--kubeconfig").dest("kubeconfig").metavar("FILE").required(true)
        .help("admin kubeconfig: Graft reads kubeadm-config's version and every kubelet's from it");
    s.addArgument("--to").dest("to").metavar("vX.Y.Z").required(true)
        .help("the target Kubernetes version (one minor up at most, or a patch)");
    s.addArgument("--max-unavailable").dest("maxUnavailable").metavar("N|P%")
        .help("workers upgraded at once: a count or a percentage of the workers (default 1)");
    s.addArgument("--drain-timeout").dest("drainTimeout").metavar("DURATION")
        .help("how long a node's drain may take before its step needs attention (default 5m)");
    s.addArgument("--known-hosts").dest("knownHosts").metavar("FILE")
        .help("OpenSSH known_hosts for every node (wins over the inventory's)");
    s.addArgument("--ssh-user").dest("sshUser").metavar("USER").help("wins over ansible_user");
    s.addArgument("--ssh-port").dest("sshPort").type(Integer.class).metavar("PORT")
        .help("wins over ansible_port");
    s.addArgument("--ssh-key").dest("sshKey").metavar("FILE")
        .help("private key file (wins over ansible_ssh_private_key_file)");
    s.addArgument("--require-approval").dest("requireApproval").action(Arguments.storeTrue())
        .help("wait for `graft approve` after the pre-checks, before the first change");
    s.addArgument("--approve-each-control-plane").dest("approveEach").action(Arguments.storeTrue())
        .help("with --require-approval, also before each control-plane node");
    s.addArgument("--request-id").dest("requestId").metavar("ID")
        .help("idempotency key: submitting the same id again starts nothing new (default: a new one)");
    s.addArgument("--watch").dest("watch").action(Arguments.storeTrue())
        .help("follow the progress until the operation ends or needs an operator");
    s.addArgument("--interval").dest("interval").type(Integer.class).setDefault(1000)
        .metavar("MS").help("how often --watch polls (default 1000 ms)");
    unreachableTimeout(s);
    s.addArgument("-o", "--output").dest("output").choices("text", "json").setDefault("text");
  }

  @Override
  int execute(Namespace ns, ApiClient api, PrintStream out, PrintStream err) throws Exception {
    Path inventory = Path.of(ns.getString("inventory"));
    if (!Files.isReadable(inventory)) {
      err.println("graft upgrade: cannot read the inventory " + inventory);
      return 1;
    }
    ObjectNode body = ApiClient.JSON.createObjectNode();
    body.put("kind", "upgrade");
    String requestId = ns.getString("requestId") != null ? ns.getString("requestId")
        : ExpandCommand.newRequestId();
    body.put("requestId", requestId);
    ObjectNode inv = body.putObject("inventory");
    inv.put("text", Files.readString(inventory));
    inv.put("file", inventory.getFileName().toString());
    ExpandCommand.putPath(body, "kubeconfig", ns.getString("kubeconfig"));
    ExpandCommand.putPath(body, "knownHosts", ns.getString("knownHosts"));
    if (ns.getString("sshUser") != null || ns.getInt("sshPort") != null || ns.getString("sshKey") != null) {
      ObjectNode ssh = body.putObject("ssh");
      if (ns.getString("sshUser") != null) {
        ssh.put("user", ns.getString("sshUser"));
      }
      if (ns.getInt("sshPort") != null) {
        ssh.put("port", ns.getInt("sshPort"));
      }
      ExpandCommand.putPath(ssh, "keyFile", ns.getString("sshKey"));
    }
    ObjectNode upgrade = body.putObject("upgrade");
    upgrade.put("to", ns.getString("to"));
    if (ns.getString("maxUnavailable") != null) {
      upgrade.put("maxUnavailable", ns.getString("maxUnavailable"));
    }
    if (ns.getString("drainTimeout") != null) {
      upgrade.put("drainTimeout", ns.getString("drainTimeout"));
    }
    ObjectNode options = body.putObject("options");
    options.put("requireApproval", Boolean.TRUE.equals(ns.getBoolean("requireApproval")));
    options.put("approveEachControlPlane", Boolean.TRUE.equals(ns.getBoolean("approveEach")));
    // Retried like expand's submission: the same requestId starts nothing new.
    Patience patience = patience(ns, err, "upgrade");
    String payload = ApiClient.JSON.writeValueAsString(body);
    JsonNode accepted = patience.call(() -> api.post("/api/v1/operations", payload));
    String id = accepted.path("id").asText();
    boolean json = "json".equals(ns.getString("output"));
    String verb = accepted.path("existing").asBoolean() ? "already submitted: " : "accepted: ";
    if (!Boolean.TRUE.equals(ns.getBoolean("watch"))) {
      if (json) {
        out.println(ApiClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT)
            .writeValueAsString(accepted));
      } else {
        out.println(verb + id);
        out.println("  " + describe(accepted.path("upgrade"), accepted.path("cluster").asText()));
        out.println("  follow it: graft status " + id + " --watch");
      }
      return 0;
    }
    if (!json) {
      out.println(verb + id);
      out.println("  " + describe(accepted.path("upgrade"), accepted.path("cluster").asText()));
    }
    return StatusCommand.watchAndReport(api, patience, id, out, json, ns.getInt("interval"));
  }

  /** "upgrades 3 nodes of cluster prod from v1.30.2 to v1.31.0 (1 control plane, workers 1 at once)". */
  static String describe(JsonNode plan, String cluster) {
    int cps = plan.path("controlPlanes").size();
    int workers = 0;
    for (JsonNode b : plan.path("workerBatches")) {
      workers += b.size();
    }
    return "upgrades " + (cps + workers) + " nodes of cluster " + cluster + " from "
        + plan.path("from").asText() + " to " + plan.path("to").asText() + " (" + cps
        + " control plane" + (cps == 1 ? "" : "s") + " one at a time, " + workers + " worker"
        + (workers == 1 ? "" : "s") + " up to " + plan.path("maxUnavailable").asInt(1) + " at once)";
  }
}
