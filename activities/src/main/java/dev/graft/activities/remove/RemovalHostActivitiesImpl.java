package dev.graft.activities.remove;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.common.InvalidValueException;
import dev.graft.activities.common.Shell;
import dev.graft.activities.common.ShellValues;
import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.remove.EtcdServersRequest;
import dev.graft.workflows.remove.HostFacts;
import dev.graft.workflows.remove.RemovalHostActivities;
import dev.graft.workflows.remove.RemovalHostRequest;
import dev.graft.workflows.remove.RouteDropRequest;
import dev.graft.workflows.step.StepOutcome;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A removal's steps on hosts, over SSH. Every value that reaches a script is validated first (node
 * names, addresses, CIDRs, URLs) and quoted; every command has a timeout. Each step looks before it
 * acts, so a retry after a worker died mid-step finds its work done.
 */
public final class RemovalHostActivitiesImpl implements RemovalHostActivities {
  private static final Logger LOG = LoggerFactory.getLogger(RemovalHostActivitiesImpl.class);
  static final String MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml";
  static final String POD_NETWORK_CONF = "/etc/graft/pod-network.conf";
  private static final Duration SHORT = Duration.ofSeconds(30);
  private static final Duration RESET = Duration.ofMinutes(3);

  /** kubeadm's files on a host: any of them means kubeadm init or join ran there. */
  static final List<String> KUBEADM_FILES =
      List.of(
          "/etc/kubernetes/kubelet.conf",
          "/etc/kubernetes/bootstrap-kubelet.conf",
          "/etc/kubernetes/admin.conf",
          "/etc/kubernetes/pki",
          "/etc/kubernetes/manifests",
          "/var/lib/kubelet/config.yaml",
          "/var/lib/etcd/member");

  private static final String LIST_KUBEADM_FILES =
      String.join(
          "\n",
          "for p in " + String.join(" ", KUBEADM_FILES) + "; do",
          "  if [ -f \"$p\" ] || [ -n \"$(ls -A \"$p\" 2>/dev/null)\" ]; then echo \"kubeadm-file $p\"; fi",
          "done");

  /**
   * What kubeadm reset leaves, as its closing notes say (CNI configuration, iptables rules,
   * $HOME/.kube/config), plus Graft's own pod network (removed by the routes step).
   */
  private static final String LEFT_BEHIND =
      String.join(
          "\n",
          "if [ -n \"$(ls -A /etc/cni/net.d 2>/dev/null)\" ]; then echo \"left: /etc/cni/net.d ($(ls -A /etc/cni/net.d | tr '\\n' ' '))\"; fi",
          "n=$(iptables -S 2>/dev/null | grep -c -E 'KUBE-|graft-pod-network' || true)",
          "[ \"${n:-0}\" -gt 0 ] && echo \"left: $n iptables rule(s) (KUBE-*, graft-pod-network)\"",
          "[ -f \"$HOME/.kube/config\" ] && echo \"left: $HOME/.kube/config\"",
          "[ -f "
              + POD_NETWORK_CONF
              + " ] && echo 'left: Graft pod network (removed by the routes step)'",
          "true");

  private final NodeShell shell;

  public RemovalHostActivitiesImpl(NodeShell shell) {
    this.shell = shell;
  }

  private static NodeSpec checked(NodeSpec n) {
    try {
      ShellValues.dns1123Subdomain("node name", n.name());
      return n;
    } catch (InvalidValueException e) {
      throw NodeShell.failure(
          e.getMessage(), FailureTypes.INVALID_INPUT, true, "", "fix the request");
    }
  }

  private static List<String> lines(CommandResult r, String prefix) {
    List<String> out = new ArrayList<>();
    for (String l : (r.stdoutTail() == null ? "" : r.stdoutTail()).split("\n")) {
      if (l.startsWith(prefix)) {
        out.add(l.substring(prefix.length()).strip());
      }
    }
    return out;
  }

  @Override
  public HostFacts observe(RemovalHostRequest request) {
    NodeSpec node = checked(request.node());
    CommandResult r = shell.runChecked(node, "kubeadm files", LIST_KUBEADM_FILES, SHORT, List.of());
    List<String> files = lines(r, "kubeadm-file ");
    return new HostFacts(
        node.name(),
        files,
        files.isEmpty() ? "no kubeadm files" : "kubeadm files: " + files,
        attempt());
  }

  @Override
  public StepOutcome reset(RemovalHostRequest request) {
    NodeSpec node = checked(request.node());
    // Observed first: a host without kubeadm's files was reset already (or never joined).
    String script =
        String.join(
            "\n",
            LIST_KUBEADM_FILES + " > /tmp/.graft-kubeadm-files.$$",
            "if [ -s /tmp/.graft-kubeadm-files.$$ ]; then",
            "  rm -f /tmp/.graft-kubeadm-files.$$",
            "  kubeadm reset -f || exit $?",
            "  echo 'graft: reset done'",
            "else rm -f /tmp/.graft-kubeadm-files.$$; echo 'graft: nothing to reset'; fi",
            // kubeadm reset stops the kubelet; a kubelet that still runs would register the Node
            // again.
            "if systemctl is-active --quiet kubelet 2>/dev/null; then systemctl stop kubelet; echo 'graft: stopped the kubelet'; fi",
            LEFT_BEHIND);
    CommandResult r = shell.run(node, "kubeadm reset", script, RESET, List.of());
    NodeShell.checked(
        node, "kubeadm reset -f", r, "read kubeadm's output, fix the node, then retry");
    List<String> left = lines(r, "left: ");
    String leftText =
        left.isEmpty() ? "nothing of kubeadm's left" : "reset leaves: " + String.join("; ", left);
    boolean did = r.stdoutTail().contains("graft: reset done");
    LOG.info(
        "kubeadm reset cluster={} node={} did={} {}",
        request.cluster(),
        node.name(),
        did,
        leftText);
    return did
        ? StepOutcome.did(
            "kubeadm reset -f on " + node.name() + "; " + leftText, NodeShell.tail(r), attempt())
        : StepOutcome.alreadyDone(
            node.name() + " has no kubeadm files: already reset; " + leftText,
            NodeShell.tail(r),
            attempt());
  }

  /** https://host:port (or http), validated, nothing else. */
  static String url(String field, String value) {
    URI u;
    try {
      u = URI.create(value);
    } catch (IllegalArgumentException e) {
      throw NodeShell.failure(
          field + " '" + value + "' is not a URL", FailureTypes.INVALID_INPUT, true, "", "");
    }
    if (u.getScheme() == null
        || !(u.getScheme().equals("https") || u.getScheme().equals("http"))
        || u.getHost() == null
        || u.getPort() < 0
        || !value.equals(u.getScheme() + "://" + u.getHost() + ":" + u.getPort())) {
      throw NodeShell.failure(
          field + " '" + value + "' must be https://<host>:<port>",
          FailureTypes.INVALID_INPUT,
          true,
          "",
          "");
    }
    try {
      ShellValues.host(field, u.getHost());
    } catch (InvalidValueException e) {
      try {
        ShellValues.ip(field, u.getHost());
      } catch (InvalidValueException e2) {
        throw NodeShell.failure(e.getMessage(), FailureTypes.INVALID_INPUT, true, "", "");
      }
    }
    return value;
  }

  @Override
  public StepOutcome dropEtcdServers(EtcdServersRequest request) {
    NodeSpec cp = checked(request.controlPlane());
    List<String> drop = request.drop().stream().map(u -> url("removed etcd server", u)).toList();
    List<String> fallback = request.fallback().stream().map(u -> url("etcd server", u)).toList();
    // kubeadm's contract: the flag is one "- --etcd-servers=a,b" line of the static pod's command.
    // Rewritten through a temp file outside manifests/ (the kubelet would run it) and a rename.
    String script =
        String.join(
            "\n",
            "m=" + MANIFEST,
            "if [ ! -f \"$m\" ]; then echo \"no $m on this node\" >&2; exit 3; fi",
            "if ! grep -q -- '- --etcd-servers=' \"$m\"; then echo \"$m has no --etcd-servers flag\" >&2; exit 3; fi",
            "cur=$(sed -n 's/^[[:space:]]*- --etcd-servers=//p' \"$m\" | head -n 1)",
            "want=''",
            "for u in $(printf '%s' \"$cur\" | tr ',' ' '); do",
            "  case \" "
                + String.join(" ", drop)
                + " \" in *\" $u \"*) ;; *) want=\"${want:+$want,}$u\" ;; esac",
            "done",
            "[ -n \"$want\" ] || want=" + Shell.quote(String.join(",", fallback)),
            "if [ -z \"$want\" ]; then echo 'no etcd server would be left in --etcd-servers' >&2; exit 4; fi",
            "if [ \"$cur\" = \"$want\" ]; then echo \"unchanged: --etcd-servers=$cur\"; exit 0; fi",
            "t=$(mktemp /etc/kubernetes/.kube-apiserver.yaml.graft.XXXXXX)",
            "sed \"s|^\\([[:space:]]*- --etcd-servers=\\).*|\\1$want|\" \"$m\" > \"$t\" && chmod 600 \"$t\" && mv -f \"$t\" \"$m\" || { rm -f \"$t\"; exit 1; }",
            "echo \"changed: --etcd-servers=$cur -> $want\"");
    CommandResult r = shell.run(cp, "kube-apiserver --etcd-servers", script, SHORT, List.of());
    Integer code = r.exitCode();
    if (code != null && code == 3) {
      throw NodeShell.failure(
          cp.name() + ": " + r.stderrTail().strip(),
          FailureTypes.MANIFEST_MISSING,
          true,
          NodeShell.tail(r),
          "is this node a kubeadm control plane?");
    }
    if (code != null && code == 4) {
      throw NodeShell.failure(
          cp.name() + ": no etcd server would be left in --etcd-servers",
          FailureTypes.INVALID_INPUT,
          true,
          NodeShell.tail(r),
          "the plan names no member that stays");
    }
    NodeShell.checked(
        cp, "kube-apiserver --etcd-servers", r, "read the output, fix the manifest, then retry");
    String out = r.stdoutTail().strip();
    LOG.info("etcd servers cluster={} node={} {}", request.cluster(), cp.name(), out);
    return out.startsWith("changed:")
        ? StepOutcome.did(
            cp.name() + ": " + out.substring("changed: ".length()), NodeShell.tail(r), attempt())
        : StepOutcome.alreadyDone(
            cp.name()
                + "'s kube-apiserver does not name "
                + drop
                + ": "
                + out.substring("unchanged: ".length()),
            NodeShell.tail(r),
            attempt());
  }

  @Override
  public StepOutcome dropRoutes(RouteDropRequest request) {
    NodeSpec on = checked(request.on());
    String gone;
    String address;
    String cidr;
    try {
      gone = ShellValues.dns1123Subdomain("removed node", request.goneNode());
      address = ShellValues.ip("removed node address", request.goneAddress());
      cidr = ShellValues.cidr("removed node pod CIDR", request.goneCidr());
    } catch (InvalidValueException e) {
      throw NodeShell.failure(
          e.getMessage(), FailureTypes.INVALID_INPUT, true, "", "fix the request");
    }
    // Only the route Graft installed (proto 213) to that CIDR through that address, and only
    // that node's line of the boot config: other routes are never touched.
    String script =
        String.join(
            "\n",
            "c=" + POD_NETWORK_CONF,
            "did=''",
            "if ip route show "
                + Shell.quote(cidr)
                + " proto 213 2>/dev/null | grep -q "
                + Shell.quote("via " + address + " ")
                + "; then",
            "  ip route del "
                + Shell.quote(cidr)
                + " via "
                + Shell.quote(address)
                + " proto 213 && did=\"route $did\"",
            "fi",
            "if [ -f \"$c\" ] && grep -q "
                + Shell.quote("^route .* " + gone + "$")
                + " \"$c\"; then",
            "  t=$(mktemp \"$c.graft.XXXXXX\") && grep -v "
                + Shell.quote("^route .* " + gone + "$")
                + " \"$c\" > \"$t\";"
                + " chmod 644 \"$t\" && mv -f \"$t\" \"$c\" && did=\"${did}boot-config\"",
            "fi",
            "echo \"graft: dropped: $did\"");
    CommandResult r = shell.runChecked(on, "drop pod route to " + gone, script, SHORT, List.of());
    String did = lines(r, "graft: dropped:").stream().findFirst().orElse("").strip();
    LOG.info(
        "pod route dropped cluster={} node={} gone={} did={}",
        request.cluster(),
        on.name(),
        gone,
        did);
    return did.isEmpty()
        ? StepOutcome.alreadyDone(
            on.name() + " has no Graft route to " + gone + " (" + cidr + " via " + address + ")",
            NodeShell.tail(r),
            attempt())
        : StepOutcome.did(
            on.name()
                + ": dropped "
                + Arrays.toString(did.split(" "))
                + " to "
                + gone
                + " ("
                + cidr
                + " via "
                + address
                + ")",
            NodeShell.tail(r),
            attempt());
  }

  @Override
  public StepOutcome cleanPodNetwork(RemovalHostRequest request) {
    NodeSpec node = checked(request.node());
    // Graft's own pod network only: its routes (proto 213), its boot unit, config and script,
    // its FORWARD rules and the cbr0 bridge it made. Nothing else on the host is touched.
    String script =
        String.join(
            "\n",
            "did=''",
            "n=$(ip route show proto 213 2>/dev/null | wc -l)",
            "if [ \"$n\" -gt 0 ]; then ip route flush proto 213 && did=\"$did $n-route(s)\"; fi",
            "if [ -f /etc/systemd/system/graft-pod-network.service ]; then",
            "  systemctl disable graft-pod-network >/dev/null 2>&1 || true",
            "  rm -f /etc/systemd/system/multi-user.target.wants/graft-pod-network.service /etc/systemd/system/graft-pod-network.service",
            "  systemctl daemon-reload >/dev/null 2>&1 || true; did=\"$did unit\"",
            "fi",
            "for f in "
                + POD_NETWORK_CONF
                + " /usr/local/lib/graft/pod-network /etc/sysctl.d/99-graft-pod-network.conf; do",
            "  if [ -e \"$f\" ]; then rm -f \"$f\"; did=\"$did $f\"; fi",
            "done",
            "iptables -S FORWARD 2>/dev/null | grep 'graft-pod-network' | sed 's/^-A /-D /' | while read -r rule; do iptables -w 5 $rule; done",
            "if ip link show cbr0 >/dev/null 2>&1; then ip link del cbr0 && did=\"$did cbr0\"; fi",
            "echo \"graft: cleaned:$did\"");
    CommandResult r =
        shell.runChecked(node, "remove Graft's pod network", script, SHORT, List.of());
    String did = lines(r, "graft: cleaned:").stream().findFirst().orElse("").strip();
    return did.isEmpty()
        ? StepOutcome.alreadyDone(
            node.name() + " has none of Graft's pod network left", NodeShell.tail(r), attempt())
        : StepOutcome.did(node.name() + ": removed " + did, NodeShell.tail(r), attempt());
  }
}
