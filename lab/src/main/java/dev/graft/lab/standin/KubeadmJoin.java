package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;

/**
 * kubeadm join, for workers and (with --control-plane) for stacked control-plane nodes. Phases and
 * their failures are worded as kubeadm's: preflight (checks, discovery, kubeadm-config),
 * control-plane-prepare (download-certs, certs, kubeconfig, manifests), kubelet-start (TLS
 * bootstrap by the kubelet stand-in), control-plane-join (etcd learner add, promote,
 * mark-control-plane).
 */
final class KubeadmJoin {
  private static final Set<String> VALUE_FLAGS =
      Set.of(
          "token",
          "discovery-token",
          "tls-bootstrap-token",
          "discovery-token-ca-cert-hash",
          "certificate-key",
          "node-name",
          "cri-socket",
          "apiserver-advertise-address",
          "apiserver-bind-port",
          "ignore-preflight-errors",
          "config",
          "discovery-file",
          "skip-phases",
          "v",
          "patches");
  private static final Set<String> BOOL_FLAGS =
      Set.of("control-plane", "discovery-token-unsafe-skip-ca-verification", "dry-run");
  private static final String DEFAULT_CRI = "unix:///var/run/containerd/containerd.sock";

  private final Kubeadm k;

  KubeadmJoin(Kubeadm k) {
    this.k = k;
  }

  void run(List<String> argv) throws StandinFailure, IOException {
    Args a = Args.parse(argv, VALUE_FLAGS, BOOL_FLAGS, Map.of());
    if (a.get("config") != null || a.get("discovery-file") != null) {
      throw new StandinFailure(
          1, "the kubeadm stand-in reads flags only, not --config or" + " --discovery-file");
    }
    boolean controlPlane = a.bool("control-plane");
    String endpoint = a.positional.isEmpty() ? "" : a.positional.get(0);
    if (a.positional.size() > 1) {
      throw new StandinFailure(1, "accepts at most 1 arg(s), received " + a.positional.size());
    }
    String token = a.get("discovery-token", a.get("token"));
    String nodeName = a.get("node-name", hostname());
    String cri = a.get("cri-socket", DEFAULT_CRI);
    String certKey = a.get("certificate-key");
    String advertise = a.get("apiserver-advertise-address");
    List<String> hashes =
        a.get("discovery-token-ca-cert-hash") == null
            ? List.of()
            : List.of(a.get("discovery-token-ca-cert-hash").split(","));
    validate(a, endpoint, token, nodeName, cri, certKey, advertise, hashes, controlPlane);

    k.out.println("[preflight] Running pre-flight checks");
    Preflight checks = new Preflight(k, a.get("ignore-preflight-errors"));
    // kubeadm's JoinNodeChecks: the kubelet's kubeconfigs, the runtime, swap, the kubelet unit,
    // and for a worker the CA file kubelet-start writes. A control plane's own files (manifests,
    // etcd ports and data dir) are checked after discovery, as kubeadm does
    // (ControlPlane.preflight).
    checks.fileAvailable(Kubeadm.KUBELET_CONF);
    checks.fileAvailable(Kubeadm.BOOTSTRAP_KUBELET_CONF);
    checks.criSocket(cri);
    checks.swap();
    checks.kubeletEnabled();
    if (!controlPlane) {
      checks.fileAvailable(Kubeadm.PKI + "/ca.crt");
    }
    checks.finish();

    Matcher tm = Kubeadm.TOKEN.matcher(token);
    tm.matches();
    Discovery.Result d =
        Discovery.run(endpoint, tm.group(1), tm.group(2), hashes, discoveryTimeout());
    k.out.println("[preflight] Reading configuration from the cluster...");
    JsonNode cc = Kubeadm.clusterConfiguration(d.api());
    String nodeIp =
        advertise != null ? advertise : System.getenv().getOrDefault("GRAFT_LAB_NODE_IP", "");

    ControlPlane cp = null;
    if (controlPlane) {
      cp =
          new ControlPlane(
              k, d, cc, nodeName, nodeIp, certKey, a.get("apiserver-bind-port", "6443"));
      cp.preflight(a.get("ignore-preflight-errors"));
      cp.prepare();
      if (JoinFaults.take(k, "control-plane-prepare")) {
        // kubelet-start's first call to the API (the Node lookup below) fails on a dropped
        // connection: certificates, kubeconfigs and static pod manifests stay on disk.
        throw StandinFailure.phase(
            "kubelet-start",
            "cannot get Node \""
                + nodeName
                + "\": Get"
                + " \"https://"
                + endpoint
                + "/api/v1/nodes/"
                + nodeName
                + "?timeout=10s\": http2:"
                + " client connection lost");
      }
    }

    // kubeadm refuses to TLS-bootstrap a second kubelet under the name of a Ready Node.
    JsonNode existing = d.api().get("/api/v1/nodes/" + nodeName);
    for (JsonNode c :
        existing == null
            ? List.<JsonNode>of()
            : iterable(existing.path("status").path("conditions"))) {
      if ("Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
        throw StandinFailure.phase(
            "kubelet-start",
            "a Node with name \""
                + nodeName
                + "\" and"
                + " status \"Ready\" already exists in the cluster. You must delete the existing Node"
                + " or change the name of this new joining Node");
      }
    }
    // As kubeadm's TryStopKubelet: no kubelet (e.g. one the package started) reads the files
    // while they are written.
    k.systemctl("stop", "kubelet");

    k.out.println(
        "[kubelet-start] Writing kubelet configuration to file"
            + " \"/var/lib/kubelet/config.yaml\"");
    k.writeFile("/var/lib/kubelet/config.yaml", StaticPodManifests.kubeletConfig(), false);
    String flags =
        "--container-runtime-endpoint="
            + cri
            + " --pod-infra-container-image=registry.k8s.io/pause:3.10"
            + (a.get("node-name") != null ? " --hostname-override=" + nodeName : "")
            + (nodeIp.isEmpty() ? "" : " --node-ip=" + nodeIp);
    k.out.println(
        "[kubelet-start] Writing kubelet environment file with flags to file"
            + " \"/var/lib/kubelet/kubeadm-flags.env\"");
    k.writeFile(
        "/var/lib/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=\"" + flags + "\"\n", false);
    if (!controlPlane) {
      k.writeFile(Kubeadm.PKI + "/ca.crt", d.caPem(), false);
      k.writeFile(
          Kubeadm.BOOTSTRAP_KUBELET_CONF,
          new Kubeconfig(
                  "kubernetes",
                  d.server(),
                  d.caPem(),
                  "tls-bootstrap-token-user",
                  null,
                  null,
                  token)
              .toYaml(),
          true);
    } else {
      cp.writeKubeletConf();
    }
    if (JoinFaults.take(k, "kubelet-start")) {
      // The kubelet never completed its TLS bootstrap within kubeadm's wait (it could not reach
      // the API): every file above stays, kubelet.conf does not appear (worker).
      k.out.println("[kubelet-start] Starting the kubelet");
      k.out.println("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap");
      k.out.println(
          "\nUnfortunately, an error has occurred:\n\ttimed out waiting for the condition"
              + "\n\nThis error is likely caused by:\n\t- The kubelet is not running\n\t- The kubelet"
              + " is unhealthy due to a misconfiguration of the node in some way (required cgroups"
              + " disabled)\n\nIf you are on a systemd-powered system, you can try to troubleshoot the"
              + " error with the following commands:\n\t- 'systemctl status kubelet'\n\t- 'journalctl"
              + " -xeu kubelet'\n");
      throw StandinFailure.phase("kubelet-start", "timed out waiting for the condition");
    }
    k.out.println("[kubelet-start] Starting the kubelet");
    Kubeadm.ExecOutcome restart = k.systemctl("restart", "kubelet");
    if (restart.code() != 0) {
      throw StandinFailure.phase(
          "kubelet-start", "failed to restart the kubelet: " + restart.output().strip());
    }
    k.out.println("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap");
    waitFor(
        () -> Files.exists(k.path(Kubeadm.KUBELET_CONF)),
        kubeletTimeout(),
        "kubelet-start",
        "timed out waiting for the condition");
    Files.deleteIfExists(k.path(Kubeadm.BOOTSTRAP_KUBELET_CONF));

    if (controlPlane) {
      cp.joinEtcd();
      cp.markControlPlane();
      k.out.println(
          "\nThis node has joined the cluster and a new control plane instance was"
              + " created:\n\n* Certificate signing request was sent to apiserver and approval was"
              + " received.\n* The Kubelet was informed of the new secure connection details.\n"
              + "* Control plane label and taint were applied to the new node.\n* The Kubernetes"
              + " control plane instances scaled up.\n* A new etcd member was added to the local/stacked"
              + " etcd cluster.\n");
    } else {
      k.out.println(
          "\nThis node has joined the cluster:\n* Certificate signing request was sent"
              + " to apiserver and a response was received.\n* The Kubelet was informed of the new"
              + " secure connection details.\n\nRun 'kubectl get nodes' on the control-plane to see"
              + " this node join the cluster.\n");
    }
  }

  private void validate(
      Args a,
      String endpoint,
      String token,
      String nodeName,
      String cri,
      String certKey,
      String advertise,
      List<String> hashes,
      boolean controlPlane)
      throws StandinFailure {
    List<String> errs = new ArrayList<>();
    if (token == null || token.isEmpty()) {
      errs.add("discovery: Invalid value: \"\": bootstrapToken or file must be set");
    } else if (!Kubeadm.TOKEN.matcher(token).matches()) {
      errs.add(
          "discovery.bootstrapToken.token: Invalid value: \""
              + token
              + "\": the bootstrap token is invalid");
    }
    String tls = a.get("tls-bootstrap-token", a.get("token"));
    if (tls != null && !tls.equals(token) && !Kubeadm.TOKEN.matcher(tls).matches()) {
      errs.add(
          "discovery.tlsBootstrapToken: Invalid value: \""
              + tls
              + "\": the bootstrap token is invalid");
    }
    if (endpoint.isEmpty()) {
      errs.add(
          "discovery.bootstrapToken.apiServerEndpoint: Invalid value: \"\": address  is not"
              + " a valid IP:port");
    } else if (!validEndpoint(endpoint)) {
      errs.add(
          "discovery.bootstrapToken.apiServerEndpoint: Invalid value: \""
              + endpoint
              + "\": address "
              + endpoint
              + " is not a valid IP:port");
    }
    if (hashes.isEmpty() && !a.bool("discovery-token-unsafe-skip-ca-verification")) {
      errs.add(
          "discovery.bootstrapToken: Invalid value: \"\": using token-based discovery without"
              + " caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm"
              + " config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue");
    }
    for (String h : hashes) {
      String problem = hashProblem(h);
      if (problem != null) {
        errs.add("discovery.bootstrapToken.caCertHashes: Invalid value: \"" + h + "\": " + problem);
      }
    }
    if (nodeName.length() > 253 || !Kubeadm.DNS1123_SUBDOMAIN.matcher(nodeName).matches()) {
      errs.add(
          "nodeRegistration.name: Invalid value: \""
              + nodeName
              + "\": a lowercase RFC 1123"
              + " subdomain must consist of lower case alphanumeric characters, '-' or '.', and must"
              + " start and end with an alphanumeric character (e.g. 'example.com', regex used for"
              + " validation is '"
              + Kubeadm.DNS1123_SUBDOMAIN.pattern()
              + "')");
    }
    if (!cri.matches("(unix://)?/[A-Za-z0-9._/-]+")) {
      errs.add("nodeRegistration.criSocket: Invalid value: \"" + cri + "\": path is not absolute");
    }
    if (certKey != null && !controlPlane) {
      errs.add(
          "certificateKey: Invalid value: \"<redacted>\": --certificate-key can only be"
              + " used with --control-plane");
    }
    if (certKey != null && !certKey.matches("[0-9a-fA-F]{64}")) {
      errs.add(
          "controlPlane.certificateKey: Invalid value: \"<redacted>\": the certificate key"
              + " must be 64 hex characters (32 bytes)");
    }
    if (advertise != null && !Pki.isIp(advertise)) {
      errs.add(
          "controlPlane.localAPIEndpoint.advertiseAddress: Invalid value: \""
              + advertise
              + "\": could not parse the IP address");
    }
    if (!errs.isEmpty()) {
      throw new StandinFailure(
          1, errs.size() == 1 ? errs.get(0) : "[" + String.join(", ", errs) + "]");
    }
  }

  /** kubeadm's pubkeypin validation of "sha256:&lt;hex&gt;". */
  static String hashProblem(String h) {
    String[] parts = h.split(":", -1);
    if (parts.length != 2) {
      return "invalid hash, expected \"format:hex-value\". Known format(s) are: sha256";
    }
    if (!parts[0].equalsIgnoreCase("sha256")) {
      return "unknown hash format \"" + parts[0] + "\". Known format(s) are: sha256";
    }
    if (parts[1].length() / 2 != 32) {
      return "invalid hash \""
          + h
          + "\", expected a 32 byte SHA-256 hash, found "
          + parts[1].length() / 2
          + " bytes";
    }
    if (!parts[1].matches("[0-9a-fA-F]+")) {
      return "invalid hash \"" + h + "\", could not decode SHA-256 from hex";
    }
    return null;
  }

  private static boolean validEndpoint(String endpoint) {
    try {
      URI u = URI.create("https://" + endpoint);
      return u.getHost() != null
          && u.getPort() > 0
          && u.getPort() < 65536
          && (u.getPath() == null || u.getPath().isEmpty());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Iterable<JsonNode> iterable(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  String hostname() {
    return KubeletStandin.hostname(k.paths);
  }

  static Duration discoveryTimeout() {
    return Duration.ofSeconds(
        Long.parseLong(System.getenv().getOrDefault("GRAFT_LAB_DISCOVERY_TIMEOUT_SECONDS", "60")));
  }

  static Duration kubeletTimeout() {
    return Duration.ofSeconds(
        Long.parseLong(System.getenv().getOrDefault("GRAFT_LAB_KUBELET_TIMEOUT_SECONDS", "40")));
  }

  interface Check {
    boolean done() throws IOException;
  }

  static void waitFor(Check check, Duration timeout, String phase, String message)
      throws StandinFailure, IOException {
    Instant deadline = Instant.now().plus(timeout);
    while (!check.done()) {
      if (Instant.now().isAfter(deadline)) {
        throw StandinFailure.phase(phase, message);
      }
      Discovery.sleep(250);
    }
  }

  /** The steps only a control-plane join takes. */
  static final class ControlPlane {
    private final Kubeadm k;
    private final Discovery.Result d;
    private final JsonNode cc;
    private final String nodeName;
    private final String nodeIp;
    private final String certKey;
    private final String bindPort;
    private CertKey ca;
    private CertKey etcdCa;
    private CertKey kubeletCert;

    ControlPlane(
        Kubeadm k,
        Discovery.Result d,
        JsonNode cc,
        String nodeName,
        String nodeIp,
        String certKey,
        String bindPort) {
      this.k = k;
      this.d = d;
      this.cc = cc;
      this.nodeName = nodeName;
      this.nodeIp = nodeIp;
      this.certKey = certKey;
      this.bindPort = bindPort;
    }

    boolean stackedEtcd() {
      return cc.path("etcd").has("local") || !cc.path("etcd").has("external");
    }

    void preflight(String ignore) throws StandinFailure, IOException {
      if (cc.path("controlPlaneEndpoint").asText("").isEmpty()) {
        throw StandinFailure.phase(
            "preflight",
            "\nOne or more conditions for hosting a new"
                + " control plane instance is not satisfied.\n\nunable to add a new control plane"
                + " instance to a cluster that doesn't have a stable controlPlaneEndpoint address\n\n"
                + "Please ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n"
                + "* The certificates that must be shared among control plane instances are"
                + " provided.\n");
      }
      if (nodeIp.isEmpty()) {
        throw StandinFailure.phase(
            "preflight",
            "unable to determine the advertise address:" + " pass --apiserver-advertise-address");
      }
      // kubeadm's InitNodeChecks for a secondary control plane: the static pod manifests it is
      // about to write must not exist, and with stacked etcd the etcd ports must be free and the
      // data dir empty. (The API server/scheduler/controller-manager ports are not checked: the
      // lab runs none of them, and an in-process lab's API stand-in may hold 6443.)
      k.out.println(
          "[preflight] Running pre-flight checks before initializing the new control"
              + " plane instance");
      Preflight p = new Preflight(k, ignore);
      for (String m :
          List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")) {
        p.fileAvailable(Kubeadm.MANIFESTS + "/" + m + ".yaml");
      }
      if (stackedEtcd()) {
        p.portOpen(etcdClientPort());
        p.portOpen(etcdPeerPort());
        p.dirAvailable("/var/lib/etcd");
      }
      p.finish();
      if (certKey == null) {
        for (String f :
            List.of(
                "ca.crt",
                "ca.key",
                "sa.key",
                "sa.pub",
                "front-proxy-ca.crt",
                "front-proxy-ca.key",
                "etcd/ca.crt",
                "etcd/ca.key")) {
          if (!Files.exists(k.path(Kubeadm.PKI + "/" + f))) {
            throw StandinFailure.phase(
                "preflight",
                "\nOne or more conditions for hosting a new"
                    + " control plane instance is not satisfied.\n\nfailure loading certificate"
                    + " for CA: couldn't load the certificate file "
                    + Kubeadm.PKI
                    + "/"
                    + f
                    + ": open "
                    + Kubeadm.PKI
                    + "/"
                    + f
                    + ": no such file or directory\n\nPlease"
                    + " ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n*"
                    + " The certificates that must be shared among control plane instances are"
                    + " provided.\n");
          }
        }
      }
    }

    void prepare() throws StandinFailure, IOException {
      if (certKey != null) {
        k.out.println(
            "[download-certs] Downloading the certificates in Secret \"kubeadm-certs\""
                + " in the \"kube-system\" Namespace");
        for (Map.Entry<String, byte[]> f : KubeadmCerts.download(d.api(), certKey).entrySet()) {
          k.writeFile(
              Kubeadm.PKI + "/" + f.getKey(),
              new String(f.getValue(), StandardCharsets.UTF_8),
              f.getKey().endsWith(".key"));
        }
      }
      ca = Pem.readPair(k.path(Kubeadm.PKI + "/ca.crt"), k.path(Kubeadm.PKI + "/ca.key"));
      etcdCa =
          Pem.readPair(k.path(Kubeadm.PKI + "/etcd/ca.crt"), k.path(Kubeadm.PKI + "/etcd/ca.key"));
      CertKey frontProxyCa =
          Pem.readPair(
              k.path(Kubeadm.PKI + "/front-proxy-ca.crt"),
              k.path(Kubeadm.PKI + "/front-proxy-ca.key"));
      k.out.println("[certs] Using certificateDir folder \"/etc/kubernetes/pki\"");
      String cpHost = URI.create("https://" + cc.path("controlPlaneEndpoint").asText()).getHost();
      Map<String, Supplier<CertKey>> wanted =
          Pki.controlPlaneLeaves(ca, frontProxyCa, etcdCa, nodeName, nodeIp, cpHost);
      Map<String, CertKey> issued = Pki.issueAll(wanted);
      for (Map.Entry<String, CertKey> e : issued.entrySet()) {
        if (!e.getKey().equals("admin") && !e.getKey().equals("kubelet")) {
          write(e.getKey(), e.getValue());
        }
      }
      kubeletCert = issued.get("kubelet");
      String server = "https://" + cc.path("controlPlaneEndpoint").asText();
      k.out.println("[kubeconfig] Writing \"admin.conf\" kubeconfig file");
      k.writeFile(
          Kubeadm.ADMIN_CONF,
          Kubeconfig.withCert(server, ca.certPem(), "kubernetes-admin", issued.get("admin"))
              .toYaml(),
          true);
      k.out.println("[control-plane] Creating static Pod manifest for \"kube-apiserver\"");
      k.writeFile(
          Kubeadm.MANIFESTS + "/kube-apiserver.yaml",
          StaticPodManifests.apiServer(
              nodeIp,
              Integer.parseInt(bindPort),
              "https://127.0.0.1:" + etcdClientPort(),
              cc.path("networking").path("serviceSubnet").asText("10.96.0.0/12"),
              cc.path("kubernetesVersion").asText("v1.32.0")),
          false);
    }

    void writeKubeletConf() throws IOException {
      String server = "https://" + cc.path("controlPlaneEndpoint").asText();
      k.writeFile(
          Kubeadm.KUBELET_CONF,
          Kubeconfig.withCert(server, ca.certPem(), "system:node:" + nodeName, kubeletCert)
              .toYaml(),
          true);
    }

    void joinEtcd() throws StandinFailure, IOException {
      if (!stackedEtcd()) {
        return;
      }
      String phase = "control-plane-join/etcd";
      CertKey hc =
          Pem.readPair(
              k.path(Kubeadm.PKI + "/etcd/healthcheck-client.crt"),
              k.path(Kubeadm.PKI + "/etcd/healthcheck-client.key"));
      List<String> endpoints = etcdEndpoints();
      if (endpoints.isEmpty()) {
        throw StandinFailure.phase(
            phase,
            "error creating local etcd static pod manifest file:"
                + " etcd cluster is not healthy: no etcd Pods with the"
                + " kubeadm.kubernetes.io/etcd.advertise-client-urls annotation in kube-system");
      }
      EtcdGateway found = null;
      IOException last = null;
      for (String ep : endpoints) {
        try {
          EtcdGateway g = new EtcdGateway(ep, etcdCa.certPem(), hc.certPem(), hc.keyPem());
          g.members();
          found = g;
          break;
        } catch (IOException e) {
          last = e;
        }
      }
      if (found == null) {
        throw StandinFailure.phase(
            phase,
            "error creating local etcd static pod manifest file:"
                + " etcd cluster is not healthy: "
                + last.getMessage());
      }
      EtcdGateway etcd = found;
      StaticPodManifests.Etcd member =
          new StaticPodManifests.Etcd(
              nodeName,
              nodeIp,
              etcdClientPort(),
              etcdPeerPort(),
              "",
              true,
              "registry.k8s.io/etcd:3.5.16-0");
      JsonNode added = retry(() -> etcd.add(member.peerUrl(), true), phase);
      String newId = EtcdGateway.idOf(added.path("member"));
      List<String> initial = new ArrayList<>();
      for (JsonNode m : (ArrayNode) added.path("members")) {
        String name = m.path("name").asText();
        if (EtcdGateway.idOf(m).equals(newId)) {
          name = nodeName;
        }
        if (name.isEmpty()) {
          continue;
        }
        for (String peer : EtcdGateway.peerUrls(m)) {
          initial.add(name + "=" + peer);
        }
      }
      k.out.println("[etcd] Announced new etcd member joining to the existing etcd cluster");
      k.out.println("[etcd] Creating static Pod manifest for \"etcd\"");
      k.writeFile(
          Kubeadm.MANIFESTS + "/etcd.yaml",
          StaticPodManifests.etcd(
              new StaticPodManifests.Etcd(
                  nodeName,
                  nodeIp,
                  etcdClientPort(),
                  etcdPeerPort(),
                  String.join(",", initial),
                  true,
                  "registry.k8s.io/etcd:3.5.16-0")),
          false);
      if (JoinFaults.take(k, "control-plane-join/etcd")) {
        // The learner was added and its static pod written, and the promotion never succeeded
        // within kubeadm's back-off: a half-added member stays in etcd.
        throw StandinFailure.phase(
            phase,
            "error creating local etcd static pod manifest file:"
                + " etcdserver: can only promote a learner member which is in sync with leader");
      }
      k.out.println(
          "[etcd] Waiting for the new etcd member to join the cluster. This can take up"
              + " to 40s");
      retry(
          () -> {
            etcd.promote(newId);
            return null;
          },
          phase);
    }

    private <T> T retry(IoCall<T> call, String phase) throws StandinFailure, IOException {
      Instant deadline = Instant.now().plus(kubeletTimeout());
      while (true) {
        try {
          return call.call();
        } catch (IOException e) {
          // etcd refuses a promote until the learner has caught up, and membership changes
          // for a few seconds after the previous one: both are retried, as kubeadm does.
          if (Instant.now().isAfter(deadline)) {
            throw StandinFailure.phase(
                phase,
                "error creating local etcd static pod manifest" + " file: " + e.getMessage());
          }
          Discovery.sleep(500);
        }
      }
    }

    interface IoCall<T> {
      T call() throws IOException;
    }

    private List<String> etcdEndpoints() throws IOException {
      return etcdEndpoints(d.api());
    }

    /** The client URLs of the etcd members, from the etcd mirror pods' annotation, as kubeadm. */
    static List<String> etcdEndpoints(KubeRest api) throws IOException {
      JsonNode pods =
          api.get("/api/v1/namespaces/kube-system/pods?labelSelector=" + "component%3Detcd");
      List<String> out = new ArrayList<>();
      if (pods != null) {
        for (JsonNode p : pods.path("items")) {
          String url =
              p.path("metadata")
                  .path("annotations")
                  .path("kubeadm.kubernetes.io/etcd.advertise-client-urls")
                  .asText("");
          if (!url.isEmpty()) {
            out.add(url);
          }
        }
      }
      return out;
    }

    void markControlPlane() throws StandinFailure, IOException {
      String path = "/api/v1/nodes/" + nodeName;
      waitFor(
          () -> d.api().get(path) != null,
          kubeletTimeout(),
          "control-plane-join/" + "mark-control-plane",
          "timed out waiting for the Node \"" + nodeName + "\"");
      KubeRest admin = KubeRest.fromKubeconfig(Kubeconfig.read(k.path(Kubeadm.ADMIN_CONF)));
      k.out.println(
          "[mark-control-plane] Marking the node "
              + nodeName
              + " as control-plane by"
              + " adding the labels: [node-role.kubernetes.io/control-plane"
              + " node.kubernetes.io/exclude-from-external-load-balancers]");
      k.out.println(
          "[mark-control-plane] Marking the node "
              + nodeName
              + " as control-plane by"
              + " adding the taints [node-role.kubernetes.io/control-plane:NoSchedule]");
      for (int attempt = 0; ; attempt++) {
        JsonNode node = admin.get(path);
        ObjectNode n = (ObjectNode) node;
        ObjectNode labels = n.with("metadata").with("labels");
        labels.put("node-role.kubernetes.io/control-plane", "");
        labels.put("node.kubernetes.io/exclude-from-external-load-balancers", "");
        ArrayNode taints = n.with("spec").withArray("taints");
        boolean has = false;
        for (JsonNode t : taints) {
          has |= "node-role.kubernetes.io/control-plane".equals(t.path("key").asText());
        }
        if (!has) {
          taints
              .addObject()
              .put("key", "node-role.kubernetes.io/control-plane")
              .put("effect", "NoSchedule");
        }
        try {
          admin.put(path, n);
          return;
        } catch (KubeRest.KubeApiException e) {
          if (e.status() != 409 || attempt > 20) {
            throw e;
          }
        }
      }
    }

    private void write(String name, CertKey c) throws IOException {
      k.writeFile(Kubeadm.PKI + "/" + name + ".crt", c.certPem(), false);
      k.writeFile(Kubeadm.PKI + "/" + name + ".key", c.keyPem(), true);
    }

    static int etcdClientPort() {
      return Integer.parseInt(System.getenv().getOrDefault("GRAFT_LAB_ETCD_CLIENT_PORT", "2379"));
    }

    static int etcdPeerPort() {
      return Integer.parseInt(System.getenv().getOrDefault("GRAFT_LAB_ETCD_PEER_PORT", "2380"));
    }
  }
}
