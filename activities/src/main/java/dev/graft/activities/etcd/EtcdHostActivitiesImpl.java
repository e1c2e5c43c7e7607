package dev.graft.activities.etcd;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.common.InvalidValueException;
import dev.graft.activities.common.Shell;
import dev.graft.activities.common.ShellValues;
import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.etcd.ApiServerRequest;
import dev.graft.workflows.etcd.EtcdHostActivities;
import dev.graft.workflows.etcd.EtcdHostRequest;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.StepOutcome;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An external etcd member's host, over SSH: certificates (keys made on the member's host, signed by
 * openssl on the CA host: the CA key never leaves it), the environment file and systemd unit,
 * start, rollback cleanup, and the kube-apiserver manifests. Every value that reaches a command is
 * validated and quoted; every command has a timeout.
 */
public final class EtcdHostActivitiesImpl implements EtcdHostActivities {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdHostActivitiesImpl.class);
  static final String PKI = "/etc/etcd/pki";
  static final String ENV_FILE = "/etc/etcd/etcd.env";
  static final String UNIT_FILE = "/etc/systemd/system/etcd.service";
  static final String DATA_DIR = "/var/lib/etcd";
  static final String CERT_MARKER = PKI + "/.graft-member";
  static final String MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml";
  private static final Duration SHORT = Duration.ofSeconds(30);

  /** Exit code of a write or start that the member's fence (Graft's unit) refused. */
  static final int FENCED = 3;

  /**
   * Serializes this host's etcd member changes (start, rollback cleanup) with util-linux flock when
   * the host has it: a late start and a cleanup never interleave.
   */
  static final String MEMBER_LOCK =
      "if command -v flock >/dev/null 2>&1; then exec 8>/run/graft-etcd-member.lock"
          + " && flock -w 60 8 || { echo 'another etcd member change holds /run/graft-etcd-member.lock'; exit 1; }; fi";

  private static final Duration START = Duration.ofSeconds(60);
  private static final Pattern CSR =
      Pattern.compile(
          "-----BEGIN CERTIFICATE REQUEST-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE REQUEST-----");
  private static final Pattern CERT =
      Pattern.compile("-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final NodeShell shell;

  public EtcdHostActivitiesImpl(NodeShell shell) {
    this.shell = shell;
  }

  /** The member's values, validated before any of them reaches a command. */
  record Member(
      String cluster,
      String name,
      String address,
      boolean ipAddress,
      String peerUrl,
      String clientUrl,
      List<String> initialCluster,
      String binary) {
    String marker() {
      return "# Managed by Graft: cluster " + cluster + " member " + name;
    }
  }

  static Member member(EtcdHostRequest r) {
    try {
      String cluster = ShellValues.dns1123Label("cluster", r.cluster());
      String name = ShellValues.dns1123Subdomain("member name", r.memberName());
      String address = r.node().routeAddress();
      boolean ip = isIp(address);
      if (ip) {
        ShellValues.ip("member address", address);
      } else {
        ShellValues.host("member address", address);
      }
      String peer = url("peer URL", r.peerUrl());
      String client = url("client URL", r.clientUrl());
      if (!URI.create(peer).getHost().equals(address)
          || !URI.create(client).getHost().equals(address)) {
        throw new InvalidValueException(
            "member URLs", peer + " " + client, "must use the node address " + address);
      }
      List<String> initial = new ArrayList<>();
      for (String e : r.initialCluster()) {
        int eq = e.indexOf('=');
        if (eq <= 0) {
          throw new InvalidValueException("initial cluster entry", e, "must be name=peerURL");
        }
        initial.add(
            ShellValues.dns1123Subdomain("initial cluster member", e.substring(0, eq))
                + "="
                + url("initial cluster peer URL", e.substring(eq + 1)));
      }
      initial.sort(String::compareTo);
      String binary = ShellValues.absolutePath("etcd binary", r.etcdBinary());
      return new Member(cluster, name, address, ip, peer, client, List.copyOf(initial), binary);
    } catch (IllegalArgumentException e) { // InvalidValueException included
      throw NodeShell.failure(
          e.getMessage(), FailureTypes.INVALID_INPUT, true, "", "fix the request");
    }
  }

  static boolean isIp(String s) {
    try {
      ShellValues.ip("address", s);
      return true;
    } catch (InvalidValueException e) {
      return false;
    }
  }

  /** https://host:port with a valid IP or host name and port, nothing else. */
  static String url(String field, String value) {
    URI u;
    try {
      u = URI.create(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidValueException(field, value, "is not a URL");
    }
    if (!"https".equals(u.getScheme())
        || u.getHost() == null
        || u.getPort() < 0
        || !value.equals("https://" + u.getHost() + ":" + u.getPort())) {
      throw new InvalidValueException(field, value, "must be https://<host>:<port>");
    }
    if (isIp(u.getHost())) {
      ShellValues.ip(field, u.getHost());
    } else {
      ShellValues.host(field, u.getHost());
    }
    ShellValues.port(field, u.getPort());
    return value;
  }

  // ---- certificates -------------------------------------------------------------------------

  @Override
  public StepOutcome issueCertificates(EtcdHostRequest r) {
    Member m = member(r);
    NodeSpec node = r.node();
    NodeSpec caHost = r.ca().host();
    String caCert = path("CA certificate", r.ca().caCert());
    String caKey = path("CA key", r.ca().caKey());
    // 1. The CA certificate (public) from the CA host, whose key must be there; the key is not
    // read.
    CommandResult ca =
        shell.run(
            caHost,
            "read etcd CA",
            "if [ ! -r "
                + Shell.quote(caKey)
                + " ]; then echo 'no readable CA key at '"
                + Shell.quote(caKey)
                + " >&2; exit 3; fi; cat "
                + Shell.quote(caCert),
            SHORT,
            List.of());
    if (ca.exitCode() != null && ca.exitCode() == 3) {
      throw NodeShell.failure(
          "the etcd CA key " + caKey + " is missing on " + caHost.name(),
          FailureTypes.INVALID_INPUT,
          true,
          NodeShell.tail(ca),
          "point the request's CA reference at the host and path of the etcd CA key");
    }
    String caPem = certificates(ca, "CA certificate " + caCert + " on " + caHost.name()).get(0);
    // 2. On the member's host: keep valid certificates; otherwise make keys (kept if present) and
    // CSRs.
    String sanCheck =
        m.ipAddress()
            ? "IP Address:" + m.address().replace(".", "\\.") + "(,|$)"
            : "DNS:" + m.address().replace(".", "\\.") + "(,|$)";
    String subject = "/CN=" + m.name();
    String check =
        String.join(
            "\n",
            "set -e",
            "umask 077",
            "mkdir -p " + PKI,
            "t=$(mktemp " + PKI + "/.ca.XXXXXX)",
            "cat > \"$t\"",
            "ok=1",
            "cmp -s \"$t\" " + PKI + "/ca.crt || ok=0",
            "for k in peer server; do",
            "  c=" + PKI + "/$k.crt; key=" + PKI + "/$k.key",
            "  if [ ! -f \"$c\" ] || [ ! -f \"$key\" ]; then ok=0; continue; fi",
            "  openssl verify -CAfile \"$t\" \"$c\" >/dev/null 2>&1 || ok=0",
            "  openssl x509 -in \"$c\" -noout -checkend 2592000 >/dev/null 2>&1 || ok=0",
            "  openssl x509 -in \"$c\" -noout -ext subjectAltName 2>/dev/null | grep -qE "
                + Shell.quote(sanCheck)
                + " || ok=0",
            "  [ \"$(openssl x509 -in \"$c\" -noout -pubkey 2>/dev/null)\" = \"$(openssl pkey -in \"$key\" -pubout 2>/dev/null)\" ] || ok=0",
            "done",
            "if [ \"$ok\" = 1 ]; then rm -f \"$t\"; echo valid; exit 0; fi",
            "chmod 644 \"$t\" && mv -f \"$t\" " + PKI + "/ca.crt",
            "printf '%s\\n' " + Shell.quote(m.marker()) + " > " + CERT_MARKER,
            "for k in peer server; do",
            "  [ -s "
                + PKI
                + "/$k.key ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "
                + PKI
                + "/$k.key 2>/dev/null",
            "  chmod 600 " + PKI + "/$k.key",
            "  openssl req -new -key " + PKI + "/$k.key -subj " + Shell.quote(subject),
            "done");
    CommandResult c =
        shell.run(
            node,
            "etcd certificates",
            check,
            SHORT,
            List.of(),
            caPem.getBytes(StandardCharsets.US_ASCII));
    requireSuccess(node, "check etcd certificates", c);
    if (c.stdoutTail().strip().equals("valid")) {
      return StepOutcome.alreadyDone(
          "valid peer and server certificates signed by the etcd CA are in place on " + node.name(),
          "",
          attempt());
    }
    List<String> csrs = matches(CSR, c.stdoutTail());
    if (csrs.size() != 2) {
      throw NodeShell.failure(
          node.name() + ": expected 2 certificate requests, got " + csrs.size(),
          FailureTypes.REMOTE_COMMAND_FAILED,
          false,
          NodeShell.tail(c),
          "is openssl installed on the member's host?");
    }
    // 3. Sign on the CA host: the request goes in on stdin, the certificate comes out on stdout.
    List<String> sans =
        new ArrayList<>(List.of("DNS:" + m.name(), "DNS:localhost", "IP:127.0.0.1"));
    sans.add((m.ipAddress() ? "IP:" : "DNS:") + m.address());
    String ext = "subjectAltName=" + String.join(",", sans);
    List<String> issued = new ArrayList<>();
    for (String csr : csrs) {
      String serial = "0x" + HexFormat.of().formatHex(serialBytes());
      String sign =
          String.join(
              "\n",
              "set -e",
              "umask 077",
              "d=$(mktemp -d)",
              "trap 'rm -rf \"$d\"' EXIT",
              "cat > \"$d/req.csr\"",
              "printf '%s\\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment'"
                  + " 'extendedKeyUsage=serverAuth,clientAuth' "
                  + Shell.quote(ext)
                  + " > \"$d/ext\"",
              "openssl x509 -req -in \"$d/req.csr\" -CA "
                  + Shell.quote(caCert)
                  + " -CAkey "
                  + Shell.quote(caKey)
                  + " -set_serial "
                  + Shell.quote(serial)
                  + " -days 365 -sha256 -extfile \"$d/ext\" -out \"$d/out.crt\""
                  + " 2>\"$d/err\" || { cat \"$d/err\" >&2; exit 1; }",
              "cat \"$d/out.crt\"");
      CommandResult s =
          shell.run(
              caHost,
              "sign etcd certificate",
              sign,
              SHORT,
              List.of(),
              csr.getBytes(StandardCharsets.US_ASCII));
      requireSuccess(caHost, "sign the certificate request of " + m.name(), s);
      issued.add(certificates(s, "signed certificate").get(0));
    }
    // 4. The certificates (public) onto the member's host, verified there against the CA.
    writeIfChanged(node, PKI + "/peer.crt", issued.get(0), "0644");
    writeIfChanged(node, PKI + "/server.crt", issued.get(1), "0644");
    CommandResult v =
        shell.run(
            node,
            "verify etcd certificates",
            "openssl verify -CAfile " + PKI + "/ca.crt " + PKI + "/peer.crt " + PKI + "/server.crt",
            SHORT,
            List.of());
    requireSuccess(node, "verify the new certificates", v);
    LOG.info(
        "issued etcd certificates cluster={} member={} ca-host={}",
        m.cluster(),
        m.name(),
        caHost.name());
    return StepOutcome.did(
        "issued peer and server certificates for "
            + m.name()
            + " ("
            + String.join(",", sans)
            + "), signed on "
            + caHost.name()
            + "; keys made on "
            + node.name(),
        NodeShell.tail(v),
        attempt());
  }

  private static byte[] serialBytes() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    b[0] &= 0x7f;
    return b;
  }

  // ---- install, start, clean ----------------------------------------------------------------

  @Override
  public StepOutcome install(EtcdHostRequest r) {
    Member m = member(r);
    NodeSpec node = r.node();
    String pre =
        String.join(
            "\n",
            "bin=" + Shell.quote(m.binary()),
            "if [ ! -x \"$bin\" ]; then echo \"etcd binary $bin is missing on this host\" >&2; exit 3; fi",
            "\"$bin\" --version 2>&1 | head -n 1",
            "if [ -d "
                + DATA_DIR
                + " ] && [ -n \"$(ls -A "
                + DATA_DIR
                + " 2>/dev/null)\" ] && ! grep -qxF "
                + Shell.quote(m.marker())
                + " "
                + UNIT_FILE
                + " 2>/dev/null; then",
            "  echo 'data dir "
                + DATA_DIR
                + " is not empty and does not belong to this member' >&2; exit 4",
            "fi",
            "mkdir -p " + DATA_DIR + " && chmod 700 " + DATA_DIR);
    CommandResult c = shell.run(node, "etcd install checks", pre, SHORT, List.of());
    if (c.exitCode() != null && c.exitCode() == 3) {
      throw NodeShell.failure(
          node.name() + ": etcd binary " + m.binary() + " is missing",
          FailureTypes.ETCD_BINARY_MISSING,
          true,
          NodeShell.tail(c),
          "install etcd on the host (Debian: apt-get install etcd-server), then retry");
    }
    if (c.exitCode() != null && c.exitCode() == 4) {
      throw NodeShell.failure(
          node.name() + ": " + DATA_DIR + " is not empty and is not this member's",
          FailureTypes.ETCD_DATA_DIR_NOT_EMPTY,
          true,
          NodeShell.tail(c),
          "an old etcd's data is there: stop it and move "
              + DATA_DIR
              + " away on the host, then retry");
    }
    requireSuccess(node, "etcd install checks", c);
    boolean env = writeIfChanged(node, ENV_FILE, envFile(m), "0640");
    boolean unit = writeIfChanged(node, UNIT_FILE, unitFile(m), "0644");
    shell.runChecked(node, "daemon-reload", "systemctl daemon-reload", SHORT, List.of());
    String version = c.stdoutTail().strip();
    if (!env && !unit) {
      return StepOutcome.alreadyDone(
          ENV_FILE + " and " + UNIT_FILE + " already in place (" + version + ")", "", attempt());
    }
    return StepOutcome.did(
        "wrote " + (env ? ENV_FILE + " " : "") + (unit ? UNIT_FILE : "") + " (" + version + ")",
        NodeShell.tail(c),
        attempt());
  }

  static String envFile(Member m) {
    String listenClient =
        m.clientUrl()
            + (m.address().equals("127.0.0.1")
                ? ""
                : ",https://127.0.0.1:" + URI.create(m.clientUrl()).getPort());
    return String.join(
        "\n",
        m.marker(),
        "# ETCD_INITIAL_CLUSTER is (re)written when the member starts, from the member list etcd returned.",
        "ETCD_NAME=" + m.name(),
        "ETCD_DATA_DIR=" + DATA_DIR,
        "ETCD_LISTEN_PEER_URLS=" + m.peerUrl(),
        "ETCD_INITIAL_ADVERTISE_PEER_URLS=" + m.peerUrl(),
        "ETCD_LISTEN_CLIENT_URLS=" + listenClient,
        "ETCD_ADVERTISE_CLIENT_URLS=" + m.clientUrl(),
        "ETCD_INITIAL_CLUSTER=" + String.join(",", m.initialCluster()),
        "ETCD_INITIAL_CLUSTER_STATE=existing",
        "ETCD_CERT_FILE=" + PKI + "/server.crt",
        "ETCD_KEY_FILE=" + PKI + "/server.key",
        "ETCD_TRUSTED_CA_FILE=" + PKI + "/ca.crt",
        "ETCD_CLIENT_CERT_AUTH=true",
        "ETCD_PEER_CERT_FILE=" + PKI + "/peer.crt",
        "ETCD_PEER_KEY_FILE=" + PKI + "/peer.key",
        "ETCD_PEER_TRUSTED_CA_FILE=" + PKI + "/ca.crt",
        "ETCD_PEER_CLIENT_CERT_AUTH=true",
        "");
  }

  static String unitFile(Member m) {
    return String.join(
        "\n",
        m.marker(),
        "[Unit]",
        "Description=etcd member " + m.name(),
        "Documentation=https://etcd.io/docs/",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=notify",
        "EnvironmentFile=" + ENV_FILE,
        "ExecStart=" + m.binary(),
        "Restart=on-failure",
        "RestartSec=5s",
        "LimitNOFILE=65536",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "");
  }

  @Override
  public StepOutcome start(EtcdHostRequest r) {
    Member m = member(r);
    NodeSpec node = r.node();
    if (!m.initialCluster().contains(m.name() + "=" + m.peerUrl())) {
      throw NodeShell.failure(
          "the initial cluster of " + m.name() + " does not list it: " + m.initialCluster(),
          FailureTypes.INVALID_INPUT,
          true,
          "",
          "");
    }
    // Fenced by the unit Graft installed for this member: once a rollback removed it, an earlier
    // attempt of this step still on its way to the host (cut off from its worker) must not start
    // etcd again — nor the distribution's own etcd.service, which the removal uncovers.
    String ours = "grep -qxF " + Shell.quote(m.marker()) + " " + UNIT_FILE;
    CommandResult unit = shell.run(node, "etcd unit is Graft's?", ours, SHORT, List.of());
    if (unit.exitCode() == null) {
      requireSuccess(node, "read " + UNIT_FILE, unit); // the command did not run: retryable
    }
    if (!unit.succeeded()) {
      throw fenced(node, unit);
    }
    CommandResult active =
        shell.run(node, "etcd active?", "systemctl is-active etcd", SHORT, List.of());
    if (active.succeeded()) {
      return StepOutcome.alreadyDone(
          "etcd is already running on " + node.name(), NodeShell.tail(active), attempt());
    }
    writeIfChanged(node, ENV_FILE, envFile(m), "0640", ours);
    // --no-block: with Type=notify a joining member reports ready only once it has joined, which
    // may take a while; the loop prints the state every second, and each line is a heartbeat.
    // The fence is checked again under the member lock, held until the start job is queued.
    CommandResult s =
        shell.run(
            node,
            "start etcd",
            String.join(
                "\n",
                MEMBER_LOCK,
                ours
                    + " || { echo 'etcd unit removed (rolled back): not starting'; exit "
                    + FENCED
                    + "; }",
                "systemctl daemon-reload && systemctl enable etcd && systemctl start --no-block etcd || exit 1",
                "exec 8>&-",
                "i=0",
                "while [ $i -lt 45 ]; do",
                "  st=$(systemctl is-active etcd 2>/dev/null)",
                "  echo \"etcd: $st\"",
                "  case \"$st\" in active) exit 0 ;; failed) exit 1 ;; esac",
                "  i=$((i + 1)); sleep 1",
                "done",
                "exit 1"),
            START,
            List.of());
    if (!s.succeeded() && Integer.valueOf(FENCED).equals(s.exitCode())) {
      throw fenced(node, s);
    }
    if (!s.succeeded()) {
      throw NodeShell.failure(
          node.name() + ": etcd did not start (" + s.status() + ")",
          FailureTypes.REMOTE_COMMAND_FAILED,
          false,
          NodeShell.tail(s),
          "read the etcd log on the host");
    }
    LOG.info(
        "started etcd cluster={} member={} initial-cluster={}",
        m.cluster(),
        m.name(),
        m.initialCluster());
    return StepOutcome.did(
        "started etcd on "
            + node.name()
            + " with initial-cluster-state=existing, initial cluster "
            + String.join(",", m.initialCluster()),
        NodeShell.tail(s),
        attempt());
  }

  @Override
  public StepOutcome stopAndClean(EtcdHostRequest r) {
    Member m = member(r);
    NodeSpec node = r.node();
    // Only what Graft made for this member is touched: the unit and data dir when the unit carries
    // this member's marker (install refuses a foreign data dir before writing the unit), the
    // certificates when their marker file names this member.
    String q = Shell.quote(m.marker());
    String script =
        String.join(
            "\n",
            MEMBER_LOCK,
            "done_=''",
            "if grep -qxF " + q + " " + UNIT_FILE + " 2>/dev/null; then",
            // The unit goes first, so that no start can begin any more (an earlier attempt of the
            // start step, cut off from its worker, may still be on its way to this host); then the
            // stop ends a start already under way (systemd keeps a running unit loaded after its
            // file
            // is gone, and runs one job at a time per unit); only then is the data removed.
            "  systemctl disable etcd >/dev/null 2>&1 || true",
            "  rm -f " + UNIT_FILE + " " + ENV_FILE,
            "  systemctl daemon-reload || true",
            "  systemctl stop etcd 2>/dev/null || true",
            "  rm -rf " + DATA_DIR,
            "  done_=\"$done_ unit,env,data\"",
            "fi",
            "if grep -qxF " + q + " " + CERT_MARKER + " 2>/dev/null; then",
            "  rm -rf " + PKI,
            "  done_=\"$done_ certificates\"",
            "fi",
            "if systemctl is-active --quiet etcd 2>/dev/null; then echo 'etcd still runs here (not Graft-managed)'; fi",
            "echo \"cleaned:$done_\"");
    CommandResult c = shell.runChecked(node, "stop and clean etcd", script, START, List.of());
    String out = c.stdoutTail();
    String what = out.substring(out.lastIndexOf("cleaned:") + 8).strip();
    LOG.info("cleaned etcd cluster={} member={} removed=[{}]", m.cluster(), m.name(), what);
    return what.isEmpty()
        ? StepOutcome.alreadyDone(
            "no Graft-managed etcd of " + m.name() + " on " + node.name(),
            NodeShell.tail(c),
            attempt())
        : StepOutcome.did(
            "stopped etcd and removed " + what.replace(' ', ',') + " on " + node.name(),
            NodeShell.tail(c),
            attempt());
  }

  // ---- kube-apiserver -----------------------------------------------------------------------

  @Override
  public StepOutcome updateApiServers(ApiServerRequest r) {
    return apiServers(r, true);
  }

  @Override
  public StepOutcome verifyApiServers(ApiServerRequest r) {
    return apiServers(r, false);
  }

  /**
   * On every control-plane node: with {@code rewrite}, sets the kube-apiserver manifest's
   * --etcd-servers to the request's servers (unchanged when equal); without, only checks that it
   * lists each of them (any list when the request names none: stacked etcd's local member). Then,
   * either way, probes every server the manifest lists, from the node, with the apiserver's own
   * etcd client certificate.
   */
  private StepOutcome apiServers(ApiServerRequest r, boolean rewrite) {
    if (r.controlPlanes().isEmpty()) {
      return StepOutcome.alreadyDone("no control-plane node given", "", attempt());
    }
    List<String> urls = new ArrayList<>();
    try {
      for (String u : r.etcdServers()) {
        urls.add(url("etcd server", u));
      }
    } catch (InvalidValueException e) {
      throw NodeShell.failure(e.getMessage(), FailureTypes.INVALID_INPUT, true, "", "");
    }
    if (rewrite && urls.isEmpty()) {
      throw NodeShell.failure(
          "no etcd server to point the apiservers at", FailureTypes.INVALID_INPUT, true, "", "");
    }
    String servers = String.join(",", urls);
    String setOrCheck =
        rewrite
            ? String.join(
                "\n",
                "want=" + Shell.quote(servers),
                "if [ \"$cur\" = \"$want\" ]; then echo \"unchanged: --etcd-servers=$cur\"; else",
                // The temp file lives outside manifests/, or the kubelet would read it as a static
                // pod.
                "  t=$(mktemp /etc/kubernetes/.kube-apiserver.yaml.graft.XXXXXX)",
                "  sed \"s|^\\([[:space:]]*- --etcd-servers=\\).*|\\1$want|\" \"$m\" > \"$t\" && chmod 600 \"$t\" && mv -f \"$t\" \"$m\" || { rm -f \"$t\"; exit 1; }",
                "  echo \"changed: --etcd-servers=$cur -> $want\"; cur=$want",
                "fi")
            : String.join(
                "\n",
                "echo \"--etcd-servers=$cur\"",
                "for u in "
                    + urls.stream().map(Shell::quote).collect(Collectors.joining(" "))
                    + "; do",
                "  case \",$cur,\" in *\",$u,\"*) ;; *) echo \"MISSING from --etcd-servers: $u\"; missing=1 ;; esac",
                "done");
    List<String> changed = new ArrayList<>();
    StringBuilder tail = new StringBuilder();
    for (NodeSpec cp : r.controlPlanes()) {
      String script =
          String.join(
              "\n",
              "m=" + MANIFEST,
              "missing=0",
              "if [ ! -f \"$m\" ]; then echo \"no $m on this node\" >&2; exit 3; fi",
              "if ! grep -q -- '- --etcd-servers=' \"$m\"; then echo \"$m has no --etcd-servers flag\" >&2; exit 3; fi",
              "cur=$(sed -n 's/^[[:space:]]*- --etcd-servers=//p' \"$m\" | head -n 1)",
              setOrCheck,
              EtcdThroughNode.APISERVER_ETCD_CLIENT_FILES,
              "command -v curl >/dev/null 2>&1 || { echo 'curl is not installed: cannot check that this node reaches etcd' >&2; exit 6; }",
              "fail=0",
              "for u in $(printf '%s' \"$cur\" | tr ',' ' '); do",
              "  if out=$(curl -sS --max-time 5 --cacert \"$ca\" --cert \"$crt\" --key \"$key\" \"$u/health\" 2>&1) && printf '%s' \"$out\" | grep -q '\"health\":\"true\"'; then",
              "    echo \"reaches $u with the apiserver's etcd client certificate: $out\"",
              "  else echo \"CANNOT reach $u: $out\"; fail=1; fi",
              "done",
              "[ \"$missing\" = 0 ] || exit 4",
              "[ \"$fail\" = 0 ] || exit 5");
      CommandResult c = shell.run(cp, "kube-apiserver etcd servers", script, SHORT, List.of());
      tail.append(cp.name()).append(":\n").append(NodeShell.tail(c)).append('\n');
      Integer code = c.exitCode();
      if (code != null && (code == 3 || code == 6)) {
        throw NodeShell.failure(
            cp.name() + ": " + c.stderrTail().strip(),
            code == 3 ? FailureTypes.MANIFEST_MISSING : FailureTypes.INVALID_INPUT,
            true,
            tail.toString(),
            code == 3
                ? "is this node a kubeadm control plane?"
                : "install curl on the node, then retry");
      }
      if (code != null && code == 4) {
        throw NodeShell.failure(
            cp.name() + "'s kube-apiserver does not list every etcd member in --etcd-servers",
            FailureTypes.API_SERVER_ETCD_SERVERS_INCOMPLETE,
            false,
            tail.toString(),
            "run the etcd growth's apiservers step (retry it), or add the missing members to the manifest");
      }
      if (code != null && code == 5) {
        throw NodeShell.failure(
            cp.name() + " cannot reach every etcd server with the apiserver's certificate",
            FailureTypes.API_SERVER_ETCD_UNREACHABLE,
            false,
            tail.toString(),
            "check routes and firewalls from the node to etcd on 2379");
      }
      requireSuccess(
          cp,
          rewrite ? "update the kube-apiserver manifest" : "check the kube-apiserver manifest",
          c);
      if (c.stdoutTail().contains("changed: ")) {
        changed.add(cp.name());
      }
    }
    String names = r.controlPlanes().stream().map(NodeSpec::name).collect(Collectors.joining(", "));
    if (!rewrite) {
      LOG.info("kube-apiserver etcd servers checked cluster={} nodes={}", r.cluster(), names);
      return StepOutcome.did(
          "the kube-apiservers on "
              + names
              + " list "
              + (urls.isEmpty() ? "their etcd servers" : "every etcd member")
              + " and reach each with their etcd client certificate",
          tail.toString(),
          attempt());
    }
    LOG.info(
        "kube-apiserver etcd servers cluster={} servers={} changed={}",
        r.cluster(),
        servers,
        changed);
    String summary =
        "--etcd-servers="
            + servers
            + "; every control-plane node reaches every member with the apiserver's etcd certificate";
    return changed.isEmpty()
        ? StepOutcome.alreadyDone("already " + summary, tail.toString(), attempt())
        : StepOutcome.did(
            "set on " + String.join(", ", changed) + ": " + summary, tail.toString(), attempt());
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Writes a file atomically when its content differs; returns whether it changed. */
  private boolean writeIfChanged(NodeSpec node, String path, String content, String mode) {
    return writeIfChanged(node, path, content, mode, null);
  }

  /**
   * Writes {@code path} unless it already holds {@code content}. With a {@code fence} (a shell
   * condition), the write happens under the member lock and only while the fence holds; a fenced
   * write exits {@value #FENCED} and writes nothing.
   */
  private boolean writeIfChanged(
      NodeSpec node, String path, String content, String mode, String fence) {
    String p = Shell.quote(path);
    String script =
        String.join(
            "\n",
            "umask 077",
            fence == null ? ":" : MEMBER_LOCK,
            "d=$(dirname " + p + ")",
            "mkdir -p \"$d\"",
            "t=$(mktemp \"$d/.graft.XXXXXX\")",
            "cat > \"$t\" && chmod " + mode + " \"$t\" || { rm -f \"$t\"; exit 1; }",
            fence == null
                ? ":"
                : "{ " + fence + "; } || { rm -f \"$t\"; echo fenced; exit " + FENCED + "; }",
            "if [ -f "
                + p
                + " ] && cmp -s \"$t\" "
                + p
                + "; then rm -f \"$t\"; echo same; else mv -f \"$t\" "
                + p
                + "; echo changed; fi");
    CommandResult c =
        shell.run(
            node,
            "write " + path,
            script,
            SHORT,
            List.of(),
            content.getBytes(StandardCharsets.UTF_8));
    if (fence != null && c.exitCode() == FENCED) {
      throw fenced(node, c);
    }
    requireSuccess(node, "write " + path, c);
    return c.stdoutTail().strip().equals("changed");
  }

  /** The member's unit is not Graft's (any more): a start or its config write refused to act. */
  private static RuntimeException fenced(NodeSpec node, CommandResult c) {
    return NodeShell.failure(
        node.name()
            + ": "
            + UNIT_FILE
            + " is not the unit Graft installed for this member"
            + " (a rollback removed it, or it was replaced): etcd was not started and nothing was written",
        FailureTypes.ETCD_UNIT_MISSING,
        true,
        NodeShell.tail(c),
        "run the etcd growth again: its install step writes the unit");
  }

  private static void requireSuccess(NodeSpec node, String what, CommandResult c) {
    if (!c.succeeded()) {
      throw NodeShell.failure(
          node.name() + ": " + what + " failed (" + c.status() + ")",
          FailureTypes.REMOTE_COMMAND_FAILED,
          false,
          NodeShell.tail(c),
          "read the output, fix the host, then retry");
    }
  }

  private static List<String> certificates(CommandResult c, String what) {
    List<String> certs = matches(CERT, c.stdoutTail());
    if (!c.succeeded() || certs.isEmpty()) {
      throw NodeShell.failure(
          "no PEM certificate in the output of: " + what,
          FailureTypes.REMOTE_COMMAND_FAILED,
          false,
          NodeShell.tail(c),
          "");
    }
    return certs;
  }

  private static List<String> matches(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher mt = p.matcher(text == null ? "" : text);
    while (mt.find()) {
      out.add(mt.group() + "\n");
    }
    return out;
  }

  private static String path(String field, String value) {
    try {
      return ShellValues.absolutePath(field, value);
    } catch (InvalidValueException e) {
      throw NodeShell.failure(e.getMessage(), FailureTypes.INVALID_INPUT, true, "", "");
    }
  }
}
