package dev.graft.server.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.function.Function;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * What {@code graft expand} and {@code graft upgrade} share: the SSH and follow-up flags, the
 * request body's common part (kind, requestId, the inventory as text, the server-side paths, SSH
 * overrides, approvals), and the submission retried through outages and then followed.
 */
final class OperationSubmit {
  private OperationSubmit() {}

  /** --known-hosts, --ssh-user, --ssh-port, --ssh-key: they win over the inventory's. */
  /** {@code -i/--inventory FILE}, required: every operation's command has it, with its own help. */
  static void inventoryArgument(Subparser s, String help) {
    s.addArgument("-i", "--inventory").dest("inventory").metavar("FILE").required(true).help(help);
  }

  /** {@code --kubeconfig FILE}: the admin kubeconfig Graft reads the cluster through. */
  static void kubeconfigArgument(Subparser s, boolean required, String help) {
    s.addArgument("--kubeconfig").dest("kubeconfig").metavar("FILE").required(required).help(help);
  }

  /**
   * {@code --require-approval} (the gate after the pre-checks) and, where control planes join or
   * are upgraded one at a time, {@code --approve-each-control-plane}.
   */
  static void approvalArguments(Subparser s, boolean eachControlPlane) {
    s.addArgument("--require-approval")
        .dest("requireApproval")
        .action(Arguments.storeTrue())
        .help("wait for `graft approve` after the pre-checks, before the first change");
    if (eachControlPlane) {
      s.addArgument("--approve-each-control-plane")
          .dest("approveEach")
          .action(Arguments.storeTrue())
          .help("with --require-approval, also before each control-plane node");
    }
  }

  static void sshArguments(Subparser s) {
    s.addArgument("--known-hosts")
        .dest("knownHosts")
        .metavar("FILE")
        .help("OpenSSH known_hosts for every node (wins over the inventory's)");
    s.addArgument("--ssh-user").dest("sshUser").metavar("USER").help("wins over ansible_user");
    s.addArgument("--ssh-port")
        .dest("sshPort")
        .type(Integer.class)
        .metavar("PORT")
        .help("wins over ansible_port");
    s.addArgument("--ssh-key")
        .dest("sshKey")
        .metavar("FILE")
        .help("private key file (wins over ansible_ssh_private_key_file)");
  }

  /** --request-id, --watch, --interval, --unreachable-timeout, -o. */
  static void followArguments(Subparser s) {
    s.addArgument("--request-id")
        .dest("requestId")
        .metavar("ID")
        .help(
            "idempotency key: submitting the same id again starts nothing new (default: a new one)");
    s.addArgument("--watch")
        .dest("watch")
        .action(Arguments.storeTrue())
        .help("follow the progress until the operation ends or needs an operator");
    s.addArgument("--interval")
        .dest("interval")
        .type(Integer.class)
        .setDefault(1000)
        .metavar("MS")
        .help("how often --watch polls (default 1000 ms)");
    ApiCommand.unreachableTimeout(s);
    s.addArgument("-o", "--output").dest("output").choices("text", "json").setDefault("text");
  }

  /**
   * The body's common part; null (with the reason on {@code err}) when the inventory cannot be
   * read. The kubeconfig, known_hosts and key files travel as absolute paths the server reads.
   */
  static ObjectNode body(Namespace ns, String kind, PrintStream err) throws IOException {
    Path inventory = Path.of(ns.getString("inventory"));
    if (!Files.isReadable(inventory)) {
      err.println("graft " + kind + ": cannot read the inventory " + inventory);
      return null;
    }
    ObjectNode body = ApiClient.JSON.createObjectNode();
    body.put("kind", kind);
    body.put(
        "requestId",
        ns.getString("requestId") != null ? ns.getString("requestId") : newRequestId());
    ObjectNode inv = body.putObject("inventory");
    inv.put("text", Files.readString(inventory));
    inv.put("file", inventory.getFileName().toString());
    putPath(body, "kubeconfig", ns.getString("kubeconfig"));
    putPath(body, "knownHosts", ns.getString("knownHosts"));
    if (ns.getString("sshUser") != null
        || ns.getInt("sshPort") != null
        || ns.getString("sshKey") != null) {
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
    return body;
  }

  /**
   * Submits and, with --watch, follows. The submission is retried like the watch: a POST that timed
   * out may have started the operation, and sending it again with the same requestId starts nothing
   * new (the answer then says "already submitted").
   *
   * @param describe what the operation will do, one line, from the server's answer
   * @param describeWhenWatching print that line above the watch too
   */
  static int submit(
      ApiClient api,
      Namespace ns,
      ObjectNode body,
      PrintStream out,
      PrintStream err,
      Function<JsonNode, String> describe,
      boolean describeWhenWatching)
      throws Exception {
    Patience patience = ApiCommand.patience(ns, err, body.path("kind").asText());
    String payload = ApiClient.JSON.writeValueAsString(body);
    JsonNode accepted = patience.call(() -> api.post("/api/v1/operations", payload));
    String id = accepted.path("id").asText();
    boolean json = "json".equals(ns.getString("output"));
    String verb = accepted.path("existing").asBoolean() ? "already submitted: " : "accepted: ";
    if (!Boolean.TRUE.equals(ns.getBoolean("watch"))) {
      if (json) {
        out.println(
            ApiClient.JSON
                .copy()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(accepted));
      } else {
        out.println(verb + id);
        out.println("  " + describe.apply(accepted));
        out.println("  follow it: graft status " + id + " --watch");
      }
      return 0;
    }
    if (!json) {
      out.println(verb + id);
      if (describeWhenWatching) {
        out.println("  " + describe.apply(accepted));
      }
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
    return "cli-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + "-"
        + HexFormat.of().formatHex(r);
  }
}
