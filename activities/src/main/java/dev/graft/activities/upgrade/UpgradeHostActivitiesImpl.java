package dev.graft.activities.upgrade;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.common.InvalidValueException;
import dev.graft.activities.common.Shell;
import dev.graft.activities.common.ShellValues;
import dev.graft.activities.node.Prechecks;
import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.join.CheckResult;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.StepOutcome;
import dev.graft.workflows.upgrade.HostVersions;
import dev.graft.workflows.upgrade.KubeVersion;
import dev.graft.workflows.upgrade.SnapshotResult;
import dev.graft.workflows.upgrade.UpgradeHostActivities;
import dev.graft.workflows.upgrade.UpgradeHostRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgrade's steps on a node over SSH, speaking apt/dpkg, kubeadm and etcdctl as they are. Every
 * value that reaches a command is validated and quoted; the etcd client key and the snapshot never
 * leave the node. Packages are installed with apt only: on an rpm host the pre-checks fail and say
 * so.
 */
public final class UpgradeHostActivitiesImpl implements UpgradeHostActivities {
  private static final Logger LOG = LoggerFactory.getLogger(UpgradeHostActivitiesImpl.class);
  static final String SNAPSHOT_DIR = "/var/lib/graft/etcd-snapshots";
  static final String APISERVER_MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml";
  private static final List<String> PACKAGES = List.of("kubeadm", "kubelet", "kubectl");
  private static final Duration SHORT = Duration.ofSeconds(30);
  private static final Duration PLAN = Duration.ofMinutes(3);
  private static final Duration SNAPSHOT = Duration.ofMinutes(5);
  private static final Duration PULL = Duration.ofMinutes(15);
  private static final Duration INSTALL = Duration.ofMinutes(10);
  private static final Duration APPLY = Duration.ofMinutes(20);
  private static final Duration NODE = Duration.ofMinutes(10);

  /**
   * Which package manager, what is installed, and (on a control plane) the apiserver's image:
   * read-only. Installed is the status's second letter: kubeadm's install guide holds the packages,
   * and a held package's status reads "hi", not "ii".
   */
  static final String OBSERVE_SCRIPT =
      String.join(
          "\n",
          "pm=none",
          "if command -v dpkg-query >/dev/null 2>&1; then pm=dpkg; elif command -v rpm >/dev/null 2>&1; then pm=rpm; fi",
          "echo \"pm=$pm\"",
          "for p in kubeadm kubelet kubectl; do",
          "  v=",
          "  if [ $pm = dpkg ]; then s=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' \"$p\" 2>/dev/null); case \"$s\" in ?i*) v=${s#*|};; esac",
          "  elif [ $pm = rpm ]; then v=$(rpm -q --qf '%{VERSION}-%{RELEASE}' \"$p\" 2>/dev/null) || v=; fi",
          "  echo \"$p=$v\"",
          "done",
          "m=" + APISERVER_MANIFEST,
          "if [ -f $m ]; then echo \"apiserver_image=$(sed -n 's/^[[:space:]]*image:[[:space:]]*\\([^[:space:]]*kube-apiserver[^[:space:]]*\\).*/\\1/p' $m | head -n1)\"; fi",
          "");

  private final NodeShell shell;

  public UpgradeHostActivitiesImpl(NodeShell shell) {
    this.shell = shell;
  }

  /** The target, validated: it reaches package names and kubeadm's argv. */
  private static KubeVersion target(UpgradeHostRequest request) {
    return UpgradeFacts.target(request.to());
  }

  private static NodeSpec node(UpgradeHostRequest request) {
    try {
      ShellValues.dns1123Subdomain("node name", request.node().name());
    } catch (InvalidValueException e) {
      throw NodeShell.failure(
          e.getMessage(),
          FailureTypes.INVALID_INPUT,
          true,
          "",
          "fix the node's name in the inventory");
    }
    return request.node();
  }

  private Map<String, String> facts(NodeSpec node, String label, String script, Duration timeout) {
    return Prechecks.parseFacts(
        shell.runChecked(node, label, script, timeout, List.of()).stdoutTail());
  }

  // ---------------------------------------------------------------- observe

  @Override
  public HostVersions observe(UpgradeHostRequest request) {
    NodeSpec node = node(request);
    Map<String, String> f = facts(node, "observe versions", OBSERVE_SCRIPT, SHORT);
    return versions(node, f, request.controlPlane());
  }

  private static HostVersions versions(NodeSpec node, Map<String, String> f, boolean controlPlane) {
    return new HostVersions(
        node.name(),
        UpgradeFacts.upstream(f.get("kubeadm")),
        UpgradeFacts.upstream(f.get("kubelet")),
        UpgradeFacts.upstream(f.get("kubectl")),
        controlPlane ? UpgradeFacts.imageVersion(f.get("apiserver_image")) : null,
        attempt());
  }

  // ---------------------------------------------------------------- pre-checks

  /**
   * Read-only: what the package manager offers, and free space where images and the snapshot go.
   */
  private static String precheckScript(boolean first) {
    StringBuilder s = new StringBuilder(OBSERVE_SCRIPT);
    s.append("for p in kubeadm kubelet kubectl; do\n")
        .append("  if [ $pm = dpkg ]; then echo \"avail_$p=$(apt-cache madison \"$p\" 2>/dev/null")
        .append(" | awk -F'|' '{gsub(/[[:space:]]/,\"\",$2); printf \"%s,\", $2}')\"; fi\n")
        .append("done\n")
        .append("echo \"var_lib_kb=$(df -Pk /var/lib | awk 'NR==2{print $4}')\"\n");
    if (first) {
      s.append("d=")
          .append(SNAPSHOT_DIR)
          .append("; while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done\n")
          .append("echo \"snap_dir=$d\"\n")
          .append("echo \"snap_kb=$(df -Pk \"$d\" | awk 'NR==2{print $4}')\"\n")
          .append(
              "echo \"etcd_db_kb=$(du -sk /var/lib/etcd/member/snap/db 2>/dev/null | awk '{print $1}')\"\n");
    }
    return s.toString();
  }

  @Override
  public PrecheckReport precheck(UpgradeHostRequest request) {
    NodeSpec node = node(request);
    KubeVersion to = target(request);
    Map<String, String> f =
        facts(node, "upgrade pre-checks", precheckScript(request.first()), SHORT);
    List<CheckResult> checks = new ArrayList<>(packageChecks(f, to));
    long freeKb = UpgradeFacts.number(f.get("var_lib_kb"));
    long needKb =
        request.controlPlane()
            ? UpgradeFacts.CONTROL_PLANE_IMAGES_KB
            : UpgradeFacts.WORKER_IMAGES_KB;
    checks.add(
        freeKb >= needKb
            ? new CheckResult(
                "disk /var/lib",
                true,
                false,
                mb(freeKb) + " free ≥ " + mb(needKb) + " for the new images",
                null)
            : new CheckResult(
                "disk /var/lib",
                false,
                false,
                mb(freeKb) + " free < " + mb(needKb) + " needed for the new images",
                "free space under /var/lib (crictl rmi --prune removes unused images), then retry"));
    if (request.first()) {
      long db = UpgradeFacts.number(f.get("etcd_db_kb"));
      long snapNeed = Math.max(UpgradeFacts.MIN_SNAPSHOT_KB, 2 * db);
      long snapFree = UpgradeFacts.number(f.get("snap_kb"));
      checks.add(
          snapFree >= snapNeed
              ? new CheckResult(
                  "disk " + SNAPSHOT_DIR,
                  true,
                  false,
                  mb(snapFree)
                      + " free on "
                      + f.get("snap_dir")
                      + " ≥ "
                      + mb(snapNeed)
                      + " for the etcd snapshot",
                  null)
              : new CheckResult(
                  "disk " + SNAPSHOT_DIR,
                  false,
                  false,
                  mb(snapFree)
                      + " free on "
                      + f.get("snap_dir")
                      + " < "
                      + mb(snapNeed)
                      + " needed (twice the etcd database, at least "
                      + mb(UpgradeFacts.MIN_SNAPSHOT_KB)
                      + ")",
                  "free space there, then retry"));
    }
    if (request.controlPlane()) {
      checks.add(certificates(node));
    }
    if (request.first()) {
      checks.add(plan(node));
    }
    return NodeShell.passed(
        new PrecheckReport(node.name(), checks, attempt()),
        c -> !c.passed(),
        node.name() + ": upgrade pre-checks failed",
        "fix what the FAIL lines say on the node, then retry (or skip the pre-checks)");
  }

  private static String mb(long kb) {
    return (kb / 1024) + " MB";
  }

  private static List<CheckResult> packageChecks(Map<String, String> f, KubeVersion to) {
    String pm = f.getOrDefault("pm", "none");
    if (!"dpkg".equals(pm)) {
      return List.of(
          new CheckResult(
              "packages",
              false,
              false,
              "package manager "
                  + pm
                  + ": Graft upgrades kubeadm, kubelet and kubectl with apt only",
              "upgrade this node's packages yourself (dnf install --disableexcludes=kubernetes kubeadm-"
                  + to.upstream()
                  + "), or run the upgrade on apt hosts"));
    }
    List<CheckResult> out = new ArrayList<>();
    for (String p : PACKAGES) {
      List<String> offered = UpgradeFacts.items(f.get("avail_" + p));
      String pick = UpgradeFacts.pick(offered, to);
      out.add(
          pick != null
              ? new CheckResult(
                  "package " + p,
                  true,
                  false,
                  p
                      + " "
                      + pick
                      + " available (installed: "
                      + (f.get(p) == null || f.get(p).isEmpty() ? "none" : f.get(p))
                      + ")",
                  null)
              : new CheckResult(
                  "package " + p,
                  false,
                  false,
                  p
                      + " "
                      + to.upstream()
                      + " is not offered by apt (offered: "
                      + (offered.isEmpty()
                          ? "nothing"
                          : String.join(", ", offered.subList(0, Math.min(5, offered.size()))))
                      + ")",
                  "point the Kubernetes apt repository at the target's minor (https://pkgs.k8s.io/core:/stable:/v"
                      + to.major()
                      + "."
                      + to.minor()
                      + "/deb/ in /etc/apt/sources.list.d/kubernetes.list), run apt-get update, then retry"));
    }
    return out;
  }

  /**
   * Expired certificates fail (kubeadm could not talk to the cluster); ones expiring within 30 days
   * are named.
   */
  private CheckResult certificates(NodeSpec node) {
    CommandResult r =
        shell.run(
            node,
            "kubeadm certs check-expiration",
            "kubeadm certs check-expiration",
            SHORT,
            List.of());
    if (!r.succeeded()) {
      return new CheckResult(
          "certificates",
          false,
          false,
          "kubeadm certs check-expiration failed ("
              + r.status()
              + "): "
              + lastLine(NodeShell.tail(r)),
          "run it on the node and fix what it says, then retry");
    }
    List<UpgradeFacts.CertExpiry> certs = UpgradeFacts.certs(r.stdoutTail());
    List<String> expired =
        certs.stream()
            .filter(UpgradeFacts.CertExpiry::expired)
            .map(UpgradeFacts.CertExpiry::name)
            .toList();
    List<String> soon =
        certs.stream()
            .filter(c -> !c.expired() && c.days() < UpgradeFacts.CERT_WARN_DAYS)
            .map(c -> c.name() + " (" + c.residual() + ")")
            .toList();
    if (!expired.isEmpty()) {
      return new CheckResult(
          "certificates",
          false,
          false,
          "expired: " + String.join(", ", expired),
          "renew them (kubeadm certs renew all, then restart the control-plane static pods), then retry");
    }
    return new CheckResult(
        "certificates",
        true,
        false,
        certs.size()
            + " certificates checked"
            + (soon.isEmpty()
                ? ", none expires within " + UpgradeFacts.CERT_WARN_DAYS + " days"
                : "; expiring within "
                    + UpgradeFacts.CERT_WARN_DAYS
                    + " days: "
                    + String.join(", ", soon)
                    + " (kubeadm upgrade apply renews them)"),
        null);
  }

  /**
   * {@code kubeadm upgrade plan}, read-only: its version lines are recorded; it fails the check
   * only when kubeadm's health checks say the cluster is unhealthy (other refusals, such as a
   * kubeadm not yet upgraded, are what the next steps fix).
   */
  private CheckResult plan(NodeSpec node) {
    CommandResult r =
        shell.run(node, "kubeadm upgrade plan", "kubeadm upgrade plan", PLAN, List.of());
    String out = NodeShell.tail(r);
    List<String> lines =
        out.lines()
            .map(String::strip)
            .filter(
                l ->
                    l.startsWith("[upgrade/versions]")
                        || l.startsWith("kubeadm upgrade apply")
                        || l.contains("up-to-date")
                        || l.startsWith("[ERROR")
                        || l.contains("FATAL"))
            .toList();
    String seen = String.join("; ", lines.isEmpty() ? List.of(lastLine(out)) : lines);
    boolean unhealthy =
        !r.succeeded()
            && (out.contains("[upgrade/health]")
                || out.contains("[ERROR ")
                || out.toLowerCase(Locale.ROOT).contains("health check"));
    LOG.info("kubeadm upgrade plan node={} exit={} plan={}", node.name(), r.status(), seen);
    return unhealthy
        ? new CheckResult(
            "kubeadm upgrade plan",
            false,
            false,
            "kubeadm says the cluster is unhealthy: " + seen,
            "fix what kubeadm names (kubectl get nodes; kubectl -n kube-system get pods), then retry")
        : new CheckResult(
            "kubeadm upgrade plan",
            true,
            false,
            (r.succeeded() ? "" : "exit " + r.status() + ", not a health" + " failure: ") + seen,
            null);
  }

  private static String lastLine(String text) {
    List<String> l = text == null ? List.of() : text.strip().lines().toList();
    return l.isEmpty() ? "" : l.get(l.size() - 1);
  }

  // ---------------------------------------------------------------- etcd snapshot

  /**
   * A file name from the operation id: only [A-Za-z0-9._-], and a hash keeps ids that differ in
   * replaced characters apart.
   */
  static String snapshotName(String operationId) {
    String raw = operationId == null ? "" : operationId;
    String safe = raw.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.-]+", "");
    if (safe.length() > 100) {
      safe = safe.substring(safe.length() - 100);
    }
    return safe + "-" + Integer.toHexString(raw.hashCode() & 0x7fffffff) + ".db";
  }

  static String snapshotScript(String name) {
    String n = Shell.quote(name);
    return String.join(
        "\n",
        "set -e",
        "umask 077",
        "DIR=" + SNAPSHOT_DIR,
        "N=" + n,
        "report() { echo \"state=$1\"; echo \"sha256=$(cut -d' ' -f1 \"$DIR/$N.sha256\")\"; echo \"bytes=$(stat -c %s \"$DIR/$N\")\"; }",
        // A snapshot this operation already took, intact, is reused: etcd has moved on since.
        "if [ -f \"$DIR/$N\" ] && [ -f \"$DIR/$N.sha256\" ] && (cd \"$DIR\" && sha256sum -c --status \"$N.sha256\"); then report present; exit 0; fi",
        "command -v etcdctl >/dev/null 2>&1 || { echo 'etcdctl is not installed on this node' >&2; exit 127; }",
        "P=/etc/kubernetes/pki/etcd",
        "if [ -f $P/healthcheck-client.crt ]; then C=$P/healthcheck-client; else C=$P/server; fi",
        "mkdir -p \"$DIR\"",
        "rm -f \"$DIR/$N.sha256\"",
        // etcdctl writes <file>.part and renames it when complete: an interrupted save leaves no
        // $N.
        "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --dial-timeout=10s --command-timeout=240s"
            + " --cacert=$P/ca.crt --cert=$C.crt --key=$C.key snapshot save \"$DIR/$N\"",
        "(cd \"$DIR\" && sha256sum \"$N\" > \"$N.sha256\")",
        "report saved",
        "");
  }

  @Override
  public SnapshotResult snapshotEtcd(UpgradeHostRequest request) {
    NodeSpec node = node(request);
    String name = snapshotName(request.operationId());
    CommandResult r = shell.run(node, "etcd snapshot", snapshotScript(name), SNAPSHOT, List.of());
    if (r.exitCode() != null
        && r.exitCode() == 127
        && NodeShell.tail(r).contains("etcdctl is not installed")) {
      throw NodeShell.failure(
          node.name() + ": etcdctl is not installed",
          FailureTypes.ETCDCTL_MISSING,
          true,
          NodeShell.tail(r),
          "install etcdctl (etcd-client, or the etcd release tarball's etcdctl) on "
              + node.name()
              + ", then retry");
    }
    NodeShell.checked(
        node,
        "etcdctl snapshot save",
        r,
        "read etcdctl's words below (is etcd healthy on "
            + node.name()
            + "?), then retry: a failed save leaves no snapshot file behind");
    Map<String, String> f = Prechecks.parseFacts(r.stdoutTail());
    boolean present = "present".equals(f.get("state"));
    String path = SNAPSHOT_DIR + "/" + name;
    LOG.info(
        "etcd snapshot node={} path={} present={} sha256={}",
        node.name(),
        path,
        present,
        f.get("sha256"));
    return new SnapshotResult(
        present,
        node.name(),
        path,
        f.get("sha256"),
        UpgradeFacts.number(f.get("bytes")),
        NodeShell.tail(r),
        attempt());
  }

  // ---------------------------------------------------------------- images

  @Override
  public StepOutcome pullImages(UpgradeHostRequest request) {
    NodeSpec node = node(request);
    KubeVersion to = target(request);
    CommandResult r =
        shell.runChecked(
            node,
            "kubeadm config images pull",
            Shell.command(
                "kubeadm", "config", "images", "pull", "--kubernetes-version", to.toString()),
            PULL,
            List.of());
    long pulled = r.stdoutTail().lines().filter(l -> l.contains("Pulled ")).count();
    // kubeadm pulls every image whether or not it is present (the runtime skips what it has) and
    // prints the same either way: this step cannot tell "already there", so it reports that it ran.
    return StepOutcome.did(
        "kubeadm config images pull --kubernetes-version "
            + to
            + " on "
            + node.name()
            + ": "
            + pulled
            + " image(s) present",
        NodeShell.tail(r),
        attempt());
  }

  // ---------------------------------------------------------------- packages

  @Override
  public StepOutcome installKubeadm(UpgradeHostRequest request) {
    NodeSpec node = node(request);
    KubeVersion to = target(request);
    Map<String, String> f = facts(node, "observe versions", OBSERVE_SCRIPT, SHORT);
    if (UpgradeFacts.atTarget(f.get("kubeadm"), to)) {
      return StepOutcome.alreadyDone(
          "kubeadm " + f.get("kubeadm") + " is already installed on " + node.name(), "", attempt());
    }
    CommandResult r = install(node, f, List.of("kubeadm"), to);
    return StepOutcome.did(
        "installed kubeadm "
            + to.upstream()
            + " on "
            + node.name()
            + " (was "
            + (f.get("kubeadm") == null || f.get("kubeadm").isEmpty() ? "none" : f.get("kubeadm"))
            + ")",
        NodeShell.tail(r),
        attempt());
  }

  @Override
  public StepOutcome installKubelet(UpgradeHostRequest request) {
    NodeSpec node = node(request);
    KubeVersion to = target(request);
    Map<String, String> f =
        facts(
            node,
            "observe versions",
            OBSERVE_SCRIPT
                + "echo \"kubelet_version=$(kubelet --version 2>/dev/null)\"\n"
                + "echo \"kubelet_active=$(systemctl is-active kubelet 2>/dev/null)\"\n",
            SHORT);
    List<String> behind = new ArrayList<>();
    for (String p : List.of("kubelet", "kubectl")) {
      if (!UpgradeFacts.atTarget(f.get(p), to)) {
        behind.add(p);
      }
    }
    String running = f.getOrDefault("kubelet_version", "");
    boolean runningTarget =
        to.equals(KubeVersion.parse(running.replaceFirst("^Kubernetes\\s+", "")));
    if (behind.isEmpty() && runningTarget && "active".equals(f.get("kubelet_active"))) {
      return StepOutcome.alreadyDone(
          "kubelet and kubectl "
              + to.upstream()
              + " already installed on "
              + node.name()
              + " and the kubelet runs "
              + to,
          "",
          attempt());
    }
    String did = "";
    String tail = "";
    if (!behind.isEmpty()) {
      tail = NodeShell.tail(install(node, f, behind, to)) + "\n";
      did = "installed " + String.join(" and ", behind) + " " + to.upstream() + ", ";
    }
    CommandResult r =
        shell.runChecked(
            node,
            "restart kubelet",
            "systemctl daemon-reload && systemctl restart kubelet && systemctl is-active kubelet",
            Duration.ofMinutes(2),
            List.of());
    LOG.info("kubelet upgraded node={} to={} installed={}", node.name(), to, behind);
    return StepOutcome.did(
        did + "restarted the kubelet on " + node.name(), tail + NodeShell.tail(r), attempt());
  }

  /**
   * Installs {@code packages} at the target's highest Debian revision with apt-get, unholding the
   * held ones first and holding them again afterwards, even when the install fails.
   */
  private CommandResult install(
      NodeSpec node, Map<String, String> observed, List<String> packages, KubeVersion to) {
    if (!"dpkg".equals(observed.get("pm"))) {
      throw NodeShell.failure(
          node.name() + ": package manager " + observed.get("pm") + " is not supported",
          FailureTypes.UNSUPPORTED_PACKAGE_MANAGER,
          true,
          "",
          "upgrade "
              + String.join(", ", packages)
              + " on this node yourself, then retry (the step then finds them at the target)");
    }
    Map<String, String> pick = new LinkedHashMap<>();
    StringBuilder madison = new StringBuilder();
    for (String p : packages) {
      madison
          .append("echo \"avail_")
          .append(p)
          .append("=$(apt-cache madison ")
          .append(Shell.quote(p))
          .append(
              " 2>/dev/null | awk -F'|' '{gsub(/[[:space:]]/,\"\",$2); printf \"%s,\", $2}')\"\n");
    }
    Map<String, String> avail = facts(node, "apt-cache madison", madison.toString(), SHORT);
    for (String p : packages) {
      String v = UpgradeFacts.pick(UpgradeFacts.items(avail.get("avail_" + p)), to);
      if (v == null) {
        throw NodeShell.failure(
            node.name() + ": " + p + " " + to.upstream() + " is not offered by apt",
            FailureTypes.PACKAGE_UNAVAILABLE,
            true,
            "offered: " + avail.get("avail_" + p),
            "point the Kubernetes apt repository at v"
                + to.major()
                + "."
                + to.minor()
                + " and run apt-get update, then retry");
      }
      pick.put(p, checkedVersion(v));
    }
    List<String> argv =
        new ArrayList<>(
            List.of(
                "apt-get",
                "install",
                "-y",
                "-o",
                "DPkg::Lock::Timeout=60",
                "-o",
                "Dpkg::Options::=--force-confold"));
    pick.forEach((p, v) -> argv.add(p + "=" + v));
    StringBuilder s = new StringBuilder("export DEBIAN_FRONTEND=noninteractive\nheld=\n");
    // An earlier attempt whose SSH session died (its worker was killed) may have left dpkg
    // interrupted, which apt then refuses until `dpkg --configure -a` ran: decided from dpkg's own
    // state on the node (pending updates, or packages dpkg --audit reports half-done).
    s.append(
            "if ls /var/lib/dpkg/updates 2>/dev/null | grep -q '^[0-9]' || [ -n \"$(dpkg --audit 2>/dev/null)\" ]; then\n")
        .append("  echo 'graft: an earlier dpkg run was interrupted: dpkg --configure -a first'\n")
        .append("  dpkg --force-confold --configure -a || exit 1\n")
        .append("fi\n");
    for (String p : packages) {
      String q = Shell.quote(p);
      s.append("if apt-mark showhold | grep -qx ")
          .append(q)
          .append("; then held=\"$held ")
          .append(p)
          .append("\"; apt-mark unhold ")
          .append(q)
          .append(" >/dev/null; fi\n");
    }
    s.append("rc=0\n")
        .append(Shell.command(argv))
        .append(" || rc=$?\n")
        .append("[ -z \"$held\" ] || apt-mark hold $held\n")
        .append("exit $rc\n");
    CommandResult r =
        shell.run(
            node,
            "apt-get install " + String.join(" ", packages),
            s.toString(),
            INSTALL,
            List.of());
    if (!r.succeeded() && NodeShell.tail(r).contains("Could not get lock")) {
      throw NodeShell.failure(
          node.name() + ": apt's lock is held by another process",
          FailureTypes.PACKAGE_MANAGER_LOCKED,
          false,
          NodeShell.tail(r),
          "another apt or dpkg runs on the node (unattended-upgrades?): the step retries; if it"
              + " persists, look at it (ps -ef | grep -e apt -e dpkg)");
    }
    return NodeShell.checked(
        node,
        "apt-get install " + String.join(" ", packages),
        r,
        "read apt's words below, fix the node, then retry (held packages were held again)");
  }

  /**
   * A package version from the repository, before it reaches apt's argv: Debian's version
   * characters only.
   */
  private static String checkedVersion(String v) {
    if (!v.matches("[0-9][A-Za-z0-9.+~:-]{0,80}")) {
      throw NodeShell.failure(
          "apt offers version '" + v + "', which is not a Debian version",
          FailureTypes.INVALID_INPUT,
          true,
          "",
          "check the node's apt sources");
    }
    return v;
  }

  // ---------------------------------------------------------------- kubeadm upgrade

  /**
   * Read-only: this node's apiserver manifest image and, where kubectl is installed,
   * kubeadm-config's version.
   */
  private static final String UPGRADED_SCRIPT =
      String.join(
          "\n",
          "m=" + APISERVER_MANIFEST,
          "if [ -f $m ]; then echo \"apiserver_image=$(sed -n 's/^[[:space:]]*image:[[:space:]]*\\([^[:space:]]*kube-apiserver[^[:space:]]*\\).*/\\1/p' $m | head -n1)\"; fi",
          "if command -v kubectl >/dev/null 2>&1 && [ -f /etc/kubernetes/admin.conf ]; then",
          "  echo \"cluster_version=$(kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=15s -n kube-system"
              + " get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' 2>/dev/null"
              + " | sed -n 's/^kubernetesVersion:[[:space:]]*//p' | tr -d '\"')\"",
          "fi",
          "");

  @Override
  public StepOutcome kubeadmUpgrade(UpgradeHostRequest request) {
    NodeSpec node = node(request);
    KubeVersion to = target(request);
    boolean apply = request.first();
    String what = apply ? "kubeadm upgrade apply " + to : "kubeadm upgrade node";
    Duration timeout = apply ? APPLY : NODE;
    // An earlier attempt may have started kubeadm and lost its worker: the run went on, detached.
    // Attach to it (or take its result) instead of upgrading twice at once.
    String runKey = NodeShell.runKey(apply ? "kubeadm-upgrade-apply" : "kubeadm-upgrade-node");
    Optional<NodeShell.DetachedRun> earlier =
        shell.resumeDetached(node, runKey, what, timeout, List.of());
    if (earlier.isPresent()) {
      return upgraded(node, what, earlier.get(), "");
    }
    String note = "";
    if (request.controlPlane()) {
      Map<String, String> f = facts(node, "observe upgrade", UPGRADED_SCRIPT, SHORT);
      String manifest = UpgradeFacts.imageVersion(f.get("apiserver_image"));
      boolean manifestAtTarget = to.equals(KubeVersion.parse(manifest));
      if (apply && manifestAtTarget && to.equals(KubeVersion.parse(f.get("cluster_version")))) {
        return StepOutcome.alreadyDone(
            node.name()
                + " already runs "
                + to
                + ": kubeadm-config says "
                + to
                + " and its kube-apiserver manifest runs "
                + manifest,
            "",
            attempt());
      }
      // Manifests at the target do not mean `kubeadm upgrade node` finished: it rewrites them in
      // its control-plane phase and can still fail in kubelet-config after that, which leaves no
      // mark on the node. So it runs again (kubeadm supports re-running it after a failure).
      if (!apply && manifestAtTarget) {
        note =
            " (its kube-apiserver manifest already ran "
                + to
                + "; run again since nothing on the node tells"
                + " whether the kubelet-config phase after it finished)";
      }
    } else {
      // A worker's kubeadm upgrade node only rewrites the kubelet's configuration from the
      // cluster's:
      // nothing on the node tells that it ran, and running it again is harmless, so it always runs.
      note =
          " (run on every attempt: a worker's kubeadm upgrade node leaves nothing that tells it ran, and repeating it is safe)";
    }
    List<String> argv =
        apply
            ? List.of("kubeadm", "upgrade", "apply", to.toString(), "--yes")
            : List.of("kubeadm", "upgrade", "node");
    NodeShell.DetachedRun run =
        shell.runDetached(node, runKey, what, Shell.command(argv), timeout, List.of());
    return upgraded(node, what, run, note);
  }

  private StepOutcome upgraded(NodeSpec node, String what, NodeShell.DetachedRun run, String note) {
    // kubeadm's own words stay in the tail: which phase failed and whether it rolled the static
    // pods back.
    CommandResult r =
        NodeShell.checked(
            node,
            what,
            run.result(),
            "read kubeadm's words below (a failed static pod upgrade is rolled back by kubeadm), fix the cause, then retry:"
                + " kubeadm upgrade apply and kubeadm upgrade node may be run again after a failure");
    LOG.info("{} succeeded node={} resumed={}", what, node.name(), run.resumed());
    return StepOutcome.did(
        what
            + " succeeded on "
            + node.name()
            + (run.resumed()
                ? " (resumed: the run an earlier attempt started ran to completion)"
                : note),
        NodeShell.tail(r),
        attempt());
  }
}
