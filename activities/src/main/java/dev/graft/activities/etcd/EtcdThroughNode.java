package dev.graft.activities.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.activities.common.InvalidValueException;
import dev.graft.activities.common.Shell;
import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.ssh.RemoteCommand;
import dev.graft.activities.ssh.RemoteShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.EtcdClusterStatus;
import dev.graft.workflows.etcd.EtcdMemberStatus;
import dev.graft.workflows.model.NodeSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * etcd reached through a control-plane node that holds a client certificate, over SSH: curl on that
 * node, against etcd's JSON gateway ({@code /v3/...}), with the kube-apiserver's own etcd client
 * files and servers as its static pod manifest names them. The keys stay on the node
 * (ARCHITECTURE.md, "Keys stay on their nodes"); nothing here needs etcdctl or a copy of a key.
 * Every value that reaches a command is validated (URLs, member ids) and quoted.
 */
public final class EtcdThroughNode {
  static final String MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml";

  /**
   * Shell lines that set {@code $ca}, {@code $crt} and {@code $key} from the kube-apiserver
   * manifest in {@code $m}: its --etcd-cafile, --etcd-certfile and --etcd-keyfile.
   */
  static final String APISERVER_ETCD_CLIENT_FILES =
      String.join(
          "\n",
          "ca=$(sed -n 's/^[[:space:]]*- --etcd-cafile=//p' \"$m\" | head -n 1)",
          "crt=$(sed -n 's/^[[:space:]]*- --etcd-certfile=//p' \"$m\" | head -n 1)",
          "key=$(sed -n 's/^[[:space:]]*- --etcd-keyfile=//p' \"$m\" | head -n 1)");

  private static final String PRELUDE =
      String.join(
          "\n",
          "m=" + MANIFEST,
          "if [ ! -f \"$m\" ]; then echo \"no $m on this node: it is not a kubeadm control plane\" >&2; exit 3; fi",
          "servers=$(sed -n 's/^[[:space:]]*- --etcd-servers=//p' \"$m\" | head -n 1)",
          APISERVER_ETCD_CLIENT_FILES,
          "command -v curl >/dev/null 2>&1 || { echo 'curl is not installed on this node' >&2; exit 6; }",
          "c() { curl -sS --max-time 5 --cacert \"$ca\" --cert \"$crt\" --key \"$key\" \"$@\"; }");
  private static final Duration SHORT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Runs one script on a node; a non-zero exit is a result, not an exception. */
  @FunctionalInterface
  public interface Commands {
    CommandResult run(NodeSpec node, String label, String script, Duration timeout);
  }

  private final Commands shell;

  /** Inside an activity: heartbeats and typed failures come from {@link NodeShell}. */
  public EtcdThroughNode(NodeShell shell) {
    this((node, label, script, timeout) -> shell.run(node, label, script, timeout, List.of()));
  }

  /** Outside an activity (the planner reads etcd while it plans): plain bounded SSH commands. */
  public static EtcdThroughNode over(RemoteShell ssh) {
    return new EtcdThroughNode(
        (node, label, script, timeout) ->
            ssh.run(NodeShell.target(node), RemoteCommand.of(script, timeout).withLabel(label)));
  }

  public EtcdThroughNode(Commands shell) {
    this.shell = shell;
  }

  /**
   * Members, each started member's status (leader, raft index, errors) and, for voters, its
   * /health, as one observation for {@link dev.graft.workflows.etcd.QuorumGate}.
   */
  public EtcdClusterStatus status(NodeSpec via) {
    String list =
        String.join(
            "\n",
            PRELUDE,
            "for u in $(printf '%s' \"$servers\" | tr ',' ' '); do",
            "  if out=$(c -X POST -d '{}' \"$u/v3/cluster/member/list\" 2>&1) && printf '%s' \"$out\" | grep -q '\"members\"'; then",
            "    printf '%s' \"$out\" | tr '\\n' ' '; echo; exit 0",
            "  fi",
            "  echo \"etcd at $u did not list its members: $out\" >&2",
            "done",
            "exit 5");
    CommandResult r = shell.run(via, "etcd member list", list, SHORT);
    require(via, "list etcd members through " + via.name(), r);
    JsonNode members = parse(via, r.stdoutTail()).path("members");
    List<String> clientUrls = new ArrayList<>();
    for (JsonNode m : members) {
      for (JsonNode u : m.path("clientURLs")) {
        clientUrls.add(url(via, u.asText()));
      }
    }
    Map<String, JsonNode> statuses = new HashMap<>();
    Map<String, Boolean> health = new HashMap<>();
    Map<String, String> problems = new HashMap<>();
    Map<String, List<String>> alarms = new HashMap<>();
    if (!clientUrls.isEmpty()) {
      String probe =
          String.join(
              "\n",
              PRELUDE,
              "for u in $(printf '%s' \"$servers\" | tr ',' ' '); do",
              "  if a=$(c -X POST -d '{\"action\":\"GET\"}' \"$u/v3/maintenance/alarm\" 2>/dev/null); then",
              "    printf 'alarms - %s\\n' \"$(printf '%s' \"$a\" | tr '\\n' ' ')\"; break",
              "  fi",
              "done",
              "for u in "
                  + clientUrls.stream().map(Shell::quote).collect(Collectors.joining(" "))
                  + "; do",
              "  s=$(c -X POST -d '{}' \"$u/v3/maintenance/status\" 2>&1) || s=\"ERR $s\"",
              "  h=$(c \"$u/health\" 2>&1) || h=\"ERR $h\"",
              "  printf 'status %s %s\\n' \"$u\" \"$(printf '%s' \"$s\" | tr '\\n' ' ')\"",
              "  printf 'health %s %s\\n' \"$u\" \"$(printf '%s' \"$h\" | tr '\\n' ' ')\"",
              "done");
      CommandResult p = shell.run(via, "etcd member status", probe, SHORT);
      require(via, "probe etcd members through " + via.name(), p);
      for (String line : p.stdoutTail().split("\n")) {
        String[] f = line.split(" ", 3);
        if (f.length < 3) {
          continue;
        }
        String body = f[2].strip();
        if (f[0].equals("alarms")) {
          if (body.startsWith("{")) {
            for (JsonNode a : parse(via, body).path("alarms")) {
              alarms
                  .computeIfAbsent(hex(a.path("memberID").asText("0")), k -> new ArrayList<>())
                  .add(a.path("alarm").asText("ALARM"));
            }
          }
        } else if (f[0].equals("status")) {
          if (body.startsWith("{") && !body.contains("\"error\"")) {
            statuses.put(f[1], parse(via, body));
          } else {
            problems.put(f[1], body.startsWith("ERR ") ? body.substring(4) : body);
          }
        } else if (f[0].equals("health")) {
          health.put(f[1], body.contains("\"health\":\"true\""));
        }
      }
    }
    List<EtcdMemberStatus> out = new ArrayList<>();
    Map<String, Integer> leaderVotes = new HashMap<>();
    for (JsonNode m : members) {
      String id = hex(m.path("ID").asText("0"));
      List<String> peers = texts(m.path("peerURLs"));
      List<String> clients = texts(m.path("clientURLs"));
      boolean learner = m.path("isLearner").asBoolean(false);
      String client = clients.isEmpty() ? null : clients.get(0);
      JsonNode s = client == null ? null : statuses.get(client);
      String leader =
          s == null || s.path("leader").asText("0").equals("0")
              ? null
              : hex(s.path("leader").asText());
      if (leader != null) {
        leaderVotes.merge(leader, 1, Integer::sum);
      }
      Boolean healthy = learner || client == null ? null : health.getOrDefault(client, false);
      out.add(
          new EtcdMemberStatus(
              id,
              m.path("name").asText(""),
              peers,
              clients,
              learner,
              s != null,
              leader,
              s == null ? 0 : s.path("raftIndex").asLong(0),
              s == null ? 0 : s.path("raftTerm").asLong(0),
              s == null ? 0 : s.path("dbSize").asLong(0),
              s == null ? null : s.path("version").asText(null),
              alarms.getOrDefault(id, List.of()),
              s == null ? List.of() : texts(s.path("errors")),
              healthy,
              client == null ? null : problems.get(client)));
    }
    String leaderId =
        leaderVotes.entrySet().stream()
            .max(Map.Entry.comparingByValue())
            .map(Map.Entry::getKey)
            .orElse(null);
    return new EtcdClusterStatus(out, leaderId);
  }

  /**
   * Removes a member by id (hex, as {@link EtcdMemberStatus#id()}), retrying while etcd answers
   * "unhealthy cluster" just after another membership change. A member already gone is success.
   */
  public void remove(NodeSpec via, String hexId) {
    if (hexId == null || !hexId.matches("[0-9a-f]{1,16}")) {
      throw NodeShell.failure(
          "'" + hexId + "' is not an etcd member id", FailureTypes.INVALID_INPUT, true, "", "");
    }
    String decimal = Long.toUnsignedString(Long.parseUnsignedLong(hexId, 16));
    String script =
        String.join(
            "\n",
            PRELUDE,
            "body=" + Shell.quote("{\"ID\":\"" + decimal + "\"}"),
            "i=0",
            "while [ $i -lt 20 ]; do",
            "  for u in $(printf '%s' \"$servers\" | tr ',' ' '); do",
            "    out=$(c -X POST -d \"$body\" \"$u/v3/cluster/member/remove\" 2>&1) || { echo \"$u: $out\" >&2; continue; }",
            "    case \"$out\" in",
            "      *'member not found'*) echo \"already removed: $out\"; exit 0 ;;",
            "      *'\"error\"'*) echo \"$u: $out\" >&2; break ;;",
            "      *'\"members\"'*) echo \"removed: $out\"; exit 0 ;;",
            "    esac",
            "  done",
            "  i=$((i + 1)); sleep 1",
            "done",
            "exit 5");
    CommandResult r = shell.run(via, "etcd member remove", script, Duration.ofSeconds(90));
    require(via, "remove etcd member " + hexId + " through " + via.name(), r);
  }

  /**
   * One call of etcd's JSON gateway from {@code via}, to {@code url} or else to each of the
   * kube-apiserver's etcd servers in turn until one answers; returns etcd's answer, which may be an
   * error ({@code {"error": ...}}) that the caller interprets.
   */
  public JsonNode call(NodeSpec via, String label, String path, String jsonBody, String url) {
    if (!path.matches("/v3/[a-z/-]+")) {
      throw new IllegalArgumentException("not an etcd gateway path: " + path);
    }
    String urls =
        url == null ? "$(printf '%s' \"$servers\" | tr ',' ' ')" : Shell.quote(url(via, url));
    String script =
        String.join(
            "\n",
            PRELUDE,
            "body=" + Shell.quote(jsonBody),
            "for u in " + urls + "; do",
            "  if out=$(c -X POST -d \"$body\" \"$u"
                + path
                + "\" 2>&1) && printf '%s' \"$out\" | grep -q '^{'; then",
            "    printf '%s' \"$out\" | tr '\\n' ' '; echo; exit 0",
            "  fi",
            "  echo \"etcd at $u did not answer " + path + ": $out\" >&2",
            "done",
            "exit 5");
    CommandResult r = shell.run(via, label, script, SHORT);
    require(via, label + " through " + via.name(), r);
    return parse(via, r.stdoutTail());
  }

  /** The gateway's error text, or null when the answer is not an error. */
  public static String error(JsonNode answer) {
    JsonNode e = answer.path("error");
    if (e.isMissingNode() || e.isNull()) {
      e = answer.path("message");
      return answer.has("code") && !e.isMissingNode() ? e.asText() : null;
    }
    return e.isTextual() ? e.asText() : e.toString();
  }

  /** A JSON string literal of {@code s}. */
  static String jsonString(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A hex member id (Graft's, etcdctl's) as the decimal the gateway takes. */
  public static String decimal(String hexId) {
    if (hexId == null || !hexId.matches("[0-9a-f]{1,16}")) {
      throw NodeShell.failure(
          "'" + hexId + "' is not an etcd member id", FailureTypes.INVALID_INPUT, true, "", "");
    }
    return Long.toUnsignedString(Long.parseUnsignedLong(hexId, 16));
  }

  private static void require(NodeSpec via, String what, CommandResult r) {
    if (!r.succeeded()) {
      Integer code = r.exitCode();
      boolean permanent = code != null && (code == 3 || code == 6);
      throw NodeShell.failure(
          via.name() + ": " + what + " failed (" + r.status() + ")",
          permanent ? FailureTypes.INVALID_INPUT : FailureTypes.ETCD_UNAVAILABLE,
          permanent,
          NodeShell.tail(r),
          permanent
              ? "the certificate source must be a kubeadm control-plane node with curl"
              : "check that etcd is healthy and reachable from " + via.name() + ", then retry");
    }
  }

  private static JsonNode parse(NodeSpec via, String text) {
    try {
      return JSON.readTree(text == null ? "" : text.strip());
    } catch (IOException e) {
      throw NodeShell.failure(
          via.name() + ": etcd answered something that is not JSON: " + e.getMessage(),
          FailureTypes.ETCD_UNAVAILABLE,
          false,
          text,
          "");
    }
  }

  private static String url(NodeSpec via, String u) {
    try {
      return EtcdHostActivitiesImpl.url("etcd client URL", u);
    } catch (InvalidValueException e) {
      throw NodeShell.failure(
          via.name() + ": etcd lists a member with " + e.getMessage(),
          FailureTypes.ETCD_UNAVAILABLE,
          true,
          "",
          "");
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The gateway writes uint64 ids as decimal strings; Graft names members in hex, as etcdctl. */
  static String hex(String decimal) {
    return Long.toHexString(Long.parseUnsignedLong(decimal));
  }
}
