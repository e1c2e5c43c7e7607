package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft expand -i FILE [--kubeconfig F] [--known-hosts F] [--require-approval]
 * [--max-parallel N] [--watch] [-o json]}: submits an expansion through the REST API. The
 * inventory travels as text; the kubeconfig, known_hosts and key files as absolute paths the
 * server reads (the same machine under {@code graft dev}).
 */
public final class ExpandCommand extends ApiCommand {
  public ExpandCommand(Supplier<PrintStream> out, Supplier<PrintStream> err) {
    super("expand", "Add the inventory's new nodes to the cluster (an operation on the server).",
        out, err);
  }

  @Override
  void arguments(Subparser s) {
    s.addArgument("-i", "--inventory").dest("inventory").metavar("FILE").required(true)
        .help("kubespray INI or YAML, MetalK8s Nodes, or Graft YAML");
    s.addArgument("--kubeconfig").dest("kubeconfig").metavar("FILE")
        .help("admin kubeconfig of an existing kubeadm cluster: Graft reads kubeadm-config,"
            + " cluster-info, the Nodes and the etcd members from it");
    s.addArgument("--known-hosts").dest("knownHosts").metavar("FILE")
        .help("OpenSSH known_hosts for every node (wins over the inventory's)");
    s.addArgument("--ssh-user").dest("sshUser").metavar("USER").help("wins over ansible_user");
    s.addArgument("--ssh-port").dest("sshPort").type(Integer.class).metavar("PORT")
        .help("wins over ansible_port");
    s.addArgument("--ssh-key").dest("sshKey").metavar("FILE")
        .help("private key file (wins over ansible_ssh_private_key_file)");
    s.addArgument("--require-approval").dest("requireApproval").action(Arguments.storeTrue())
        .help("wait for `graft approve` before the first change to the cluster");
    s.addArgument("--approve-each-control-plane").dest("approveEach").action(Arguments.storeTrue())
        .help("with --require-approval, also before each control-plane node");
    s.addArgument("--exclude-failed-prechecks").dest("excludeFailed").action(Arguments.storeTrue())
        .help("go on without the nodes whose pre-checks fail");
    s.addArgument("--max-parallel").dest("maxParallel").type(Integer.class).metavar("N")
        .help("workers joining at once (default 5)");
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
      err.println("graft expand: cannot read the inventory " + inventory);
      return 1;
    }
    ObjectNode body = ApiClient.JSON.createObjectNode();
    body.put("kind", "expand");
    String requestId = ns.getString("requestId") != null ? ns.getString("requestId") : newRequestId();
    body.put("requestId", requestId);
    ObjectNode inv = body.putObject("inventory");
    inv.put("text", Files.readString(inventory));
    inv.put("file", inventory.getFileName().toString());
    putPath(body, "kubeconfig", ns.getString("kubeconfig"));
    putPath(body, "knownHosts", ns.getString("knownHosts"));
    if (ns.getString("sshUser") != null || ns.getInt("sshPort") != null || ns.getString("sshKey") != null) {
      ObjectNode ssh = body.putObject("ssh");
      if (ns.getString("sshUser") != null) {
        ssh.put("user", ns.getString("sshUser"));
      }
      if (ns.getInt("sshPort") != null) {
        ssh.put("port", ns.getInt("sshPort"));
      }
      putPath(ssh, "keyFile", ns.getString("sshKey"));
    }
    ObjectNode options = body.putObject("options");
    options.put("requireApproval", Boolean.TRUE.equals(ns.getBoolean("requireApproval")));
    options.put("approveEachControlPlane", Boolean.TRUE.equals(ns.getBoolean("approveEach")));
    options.put("excludeFailedPrechecks", Boolean.TRUE.equals(ns.getBoolean("excludeFailed")));
    if (ns.getInt("maxParallel") != null) {
      options.put("maxParallel", ns.getInt("maxParallel"));
    }
    // The submission is retried like the watch: a POST that timed out may have started the
    // operation, and sending it again with the same requestId starts nothing new (the answer then
    // says "already submitted").
    Patience patience = patience(ns, err, "expand");
    String payload = ApiClient.JSON.writeValueAsString(body);
    JsonNode accepted = patience.call(() -> api.post("/api/v1/operations", payload));
    String id = accepted.path("id").asText();
    boolean json = "json".equals(ns.getString("output"));
    if (!Boolean.TRUE.equals(ns.getBoolean("watch"))) {
      if (json) {
        out.println(ApiClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT)
            .writeValueAsString(accepted));
      } else {
        out.println((accepted.path("existing").asBoolean() ? "already submitted: " : "accepted: ") + id);
        out.println("  adds " + accepted.at("/plan/additions").size() + " nodes to cluster "
            + accepted.path("cluster").asText());
        out.println("  follow it: graft status " + id + " --watch");
      }
      return 0;
    }
    if (!json) {
      out.println((accepted.path("existing").asBoolean() ? "already submitted: " : "accepted: ") + id);
    }
    return StatusCommand.watchAndReport(api, patience, id, out, json, ns.getInt("interval"));
  }

  static void putPath(ObjectNode node, String field, String path) {
    if (path != null && !path.isBlank()) {
      node.put(field, Path.of(path).toAbsolutePath().normalize().toString());
    }
  }

  /** {@code cli-20250101-120000-1a2b3c}: readable, sortable, and unique enough per person. */
  static String newRequestId() {
    byte[] r = new byte[3];
    new SecureRandom().nextBytes(r);
    return "cli-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + "-" + HexFormat.of().formatHex(r);
  }
}
