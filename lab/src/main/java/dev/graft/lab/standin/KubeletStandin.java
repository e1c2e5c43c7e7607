package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The kubelet stand-in: a long-running process on a lab host. It performs the TLS bootstrap when it
 * only has a bootstrap kubeconfig (CSR, wait for the signed certificate, write kubelet.conf),
 * registers its Node (labels from --node-labels and taints from --register-with-taints when it
 * creates the Node; an existing Node keeps its labels and taints, and only the kubelet's default
 * labels are reconciled, as the real kubelet does), posts Ready with a fresh heartbeat every 2 s,
 * and runs the etcd static pod. It never marks its Node NotReady itself: when it dies the
 * heartbeats stop and the API stand-in's node lifecycle controller does.
 */
public final class KubeletStandin {
  static final String PID_FILE = "/run/graft-lab/kubelet.pid";
  private static final Set<String> VALUE_FLAGS =
      Set.of(
          "kubeconfig",
          "bootstrap-kubeconfig",
          "config",
          "container-runtime-endpoint",
          "pod-infra-container-image",
          "hostname-override",
          "node-ip",
          "node-labels",
          "register-with-taints",
          "v",
          "cgroup-driver",
          "pod-manifest-path",
          "max-pods",
          "runtime-request-timeout",
          "cert-dir",
          "resolv-conf",
          "root-dir");
  private static final Set<String> BOOL_FLAGS = Set.of("fail-swap-on", "rotate-certificates");
  private static final Set<String> ALLOWED_KUBERNETES_LABELS =
      Set.of(
          "beta.kubernetes.io/arch",
          "beta.kubernetes.io/instance-type",
          "beta.kubernetes.io/os",
          "failure-domain.beta.kubernetes.io/region",
          "failure-domain.beta.kubernetes.io/zone",
          "kubernetes.io/arch",
          "kubernetes.io/hostname",
          "kubernetes.io/os",
          "node.kubernetes.io/instance-type",
          "topology.kubernetes.io/region",
          "topology.kubernetes.io/zone");

  private final HostPaths paths;
  private final Args flags;
  private final String nodeName;
  private final String nodeIp;
  private final Map<String, String> labels;
  private final List<ObjectNode> taints;
  private final String version;
  private final PrintStream log;
  private final StaticPods staticPods;

  /**
   * A restarted kubelet (its Node already exists) first reports NotReady, as the real one does
   * until its runtime and PLEG checks pass: an upgrade's "wait Ready at the new version" then sees
   * the restart. Cleared after that first beat.
   */
  private boolean startingUp = false;

  KubeletStandin(HostPaths paths, Args flags, PrintStream log) throws StandinFailure, IOException {
    this.paths = paths;
    this.flags = flags;
    this.log = log;
    this.nodeName = flags.get("hostname-override", hostname(paths)).toLowerCase();
    this.nodeIp =
        flags.get("node-ip", System.getenv().getOrDefault("GRAFT_LAB_NODE_IP", "127.0.0.1"));
    this.labels = parseLabels(flags.get("node-labels", ""));
    this.taints = parseTaints(flags.get("register-with-taints", ""));
    Path versionFile = paths.get("/etc/graft-lab/kubelet-version");
    this.version =
        Files.exists(versionFile)
            ? Files.readString(versionFile).strip()
            : System.getenv().getOrDefault("GRAFT_LAB_KUBELET_VERSION", "v1.32.0");
    this.staticPods = new StaticPods(paths, staticPodPath());
  }

  public static void main(String[] argv) {
    HostPaths paths = HostPaths.fromEnvironment();
    KubeletStandin kubelet;
    try {
      Args a = Args.parse(List.of(argv), VALUE_FLAGS, BOOL_FLAGS, Map.of());
      kubelet = new KubeletStandin(paths, a, System.err);
    } catch (StandinFailure e) {
      System.err.println("E command failed: " + e.getMessage());
      System.exit(1);
      return;
    } catch (IOException e) {
      System.err.println("E command failed: " + e.getMessage());
      System.exit(1);
      return;
    }
    try {
      Path pid = paths.get(PID_FILE);
      Files.createDirectories(pid.getParent());
      Files.writeString(pid, Long.toString(ProcessHandle.current().pid()));
      kubelet.run();
    } catch (IOException | InterruptedException e) {
      System.err.println("E kubelet stand-in stopped: " + e);
      System.exit(1);
    }
  }

  void run() throws IOException, InterruptedException {
    log.println("I kubelet stand-in " + version + " starting for node " + nodeName);
    KubeRest api = null;
    boolean registered = false;
    while (true) {
      long pause = 2_000;
      try {
        if (api == null) {
          api = connect();
        }
        if (api != null && !registered) {
          register(api);
          registered = true;
        }
        if (registered) {
          heartbeat(api);
        }
        if (startingUp) {
          startingUp = false;
          pause = 1_000;
        }
      } catch (IOException e) {
        // The real kubelet logs and retries on its next sync; so does the stand-in.
        log.println("E " + Instant.now() + " " + e.getMessage());
      }
      try {
        List<StaticPods.Pod> pods = staticPods.sync();
        if (registered) {
          mirror(api, pods);
        }
      } catch (IOException e) {
        log.println("E " + Instant.now() + " static pods: " + e.getMessage());
      }
      Thread.sleep(pause);
    }
  }

  /** The kubelet's client: kubelet.conf, or the TLS bootstrap when only the bootstrap exists. */
  private KubeRest connect() throws IOException {
    Path conf = paths.get(flags.get("kubeconfig", Kubeadm.KUBELET_CONF));
    if (Files.exists(conf)) {
      return KubeRest.fromKubeconfig(Kubeconfig.read(conf));
    }
    Path boot = paths.get(flags.get("bootstrap-kubeconfig", Kubeadm.BOOTSTRAP_KUBELET_CONF));
    if (!Files.exists(boot)) {
      log.println(
          "E unable to load bootstrap kubeconfig: stat "
              + boot
              + ": no such file or"
              + " directory (waiting, as systemd would restart the kubelet)");
      return null;
    }
    Kubeconfig bk = Kubeconfig.read(boot);
    KubeRest api = KubeRest.fromKubeconfig(bk);
    KeyPair key = Pki.rsaKey();
    String csrPem;
    try {
      csrPem =
          Pem.encode(
              new JcaPKCS10CertificationRequestBuilder(
                      new X500Name("O=system:nodes,CN=system:node:" + nodeName), key.getPublic())
                  .build(new JcaContentSignerBuilder("SHA256withRSA").build(key.getPrivate())));
    } catch (Exception e) {
      throw new IOException("cannot build the kubelet CSR", e);
    }
    String name = "csr-" + Pki.randomHex(4);
    ObjectNode csr = KubeRest.JSON.createObjectNode();
    csr.put("apiVersion", "certificates.k8s.io/v1").put("kind", "CertificateSigningRequest");
    csr.putObject("metadata").put("name", name);
    ObjectNode spec = csr.putObject("spec");
    spec.put(
        "request", Base64.getEncoder().encodeToString(csrPem.getBytes(StandardCharsets.UTF_8)));
    spec.put("signerName", CsrSignerStandin.KUBELET_CLIENT);
    spec.putArray("usages").add("digital signature").add("client auth");
    api.post("/apis/certificates.k8s.io/v1/certificatesigningrequests", csr);
    log.println("I TLS bootstrap: submitted " + name);
    for (int i = 0; i < 120; i++) {
      JsonNode got = api.get("/apis/certificates.k8s.io/v1/certificatesigningrequests/" + name);
      String cert = got == null ? null : got.path("status").path("certificate").asText(null);
      if (cert != null && !cert.isEmpty()) {
        String certPem = new String(Base64.getDecoder().decode(cert), StandardCharsets.UTF_8);
        Kubeconfig kc =
            new Kubeconfig(
                "default-cluster",
                bk.server(),
                bk.caPem(),
                "default-auth",
                certPem,
                Pem.encode(key.getPrivate()),
                null);
        Files.createDirectories(conf.getParent());
        kc.write(conf);
        conf.toFile().setReadable(false, false);
        conf.toFile().setReadable(true, true);
        log.println("I TLS bootstrap: wrote " + conf);
        return KubeRest.fromKubeconfig(kc);
      }
      Discovery.sleep(500);
    }
    throw new IOException("TLS bootstrap: " + name + " was not signed within 60 s");
  }

  private void register(KubeRest api) throws IOException {
    String path = "/api/v1/nodes/" + nodeName;
    JsonNode existing = api.get(path);
    Map<String, String> defaults = defaultLabels();
    if (existing == null) {
      ObjectNode node = KubeRest.JSON.createObjectNode();
      node.put("apiVersion", "v1").put("kind", "Node");
      ObjectNode meta = node.putObject("metadata").put("name", nodeName);
      ObjectNode l = meta.putObject("labels");
      defaults.forEach(l::put);
      labels.forEach(l::put);
      meta.putObject("annotations")
          .put("node.alpha.kubernetes.io/ttl", "0")
          .put("volumes.kubernetes.io/controller-managed-attach-detach", "true");
      ArrayNode t = node.putObject("spec").putArray("taints");
      taints.forEach(t::add);
      api.post("/api/v1/nodes", node);
      log.println("I Successfully registered node " + nodeName);
    } else {
      // An existing Node keeps its labels and taints: only the default labels are reconciled.
      ObjectNode patch = KubeRest.JSON.createObjectNode();
      ObjectNode l = patch.putObject("metadata").putObject("labels");
      defaults.forEach(l::put);
      api.mergePatch(path, patch);
      log.println("I Node " + nodeName + " was previously registered");
      startingUp = true;
    }
  }

  private void heartbeat(KubeRest api) throws IOException {
    String path = "/api/v1/nodes/" + nodeName;
    JsonNode node = api.get(path);
    if (node == null) {
      throw new IOException("error updating node status: nodes \"" + nodeName + "\" not found");
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    ObjectNode n = (ObjectNode) node;
    ObjectNode status = n.with("status");
    Map<String, String> previous = new LinkedHashMap<>();
    Map<String, String> transitions = new LinkedHashMap<>();
    for (JsonNode c : status.path("conditions")) {
      previous.put(c.path("type").asText(), c.path("status").asText());
      transitions.put(c.path("type").asText(), c.path("lastTransitionTime").asText(now));
    }
    ArrayNode conditions = status.putArray("conditions");
    condition(
        conditions,
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
        now,
        previous,
        transitions);
    condition(
        conditions,
        "DiskPressure",
        "False",
        "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure",
        now,
        previous,
        transitions);
    condition(
        conditions,
        "PIDPressure",
        "False",
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
        now,
        previous,
        transitions);
    if (startingUp) {
      condition(
          conditions,
          "Ready",
          "False",
          "KubeletNotReady",
          "container runtime status check may not have completed yet",
          now,
          previous,
          transitions);
    } else {
      condition(
          conditions,
          "Ready",
          "True",
          "KubeletReady",
          "kubelet is posting ready status",
          now,
          previous,
          transitions);
    }
    ArrayNode addresses = status.putArray("addresses");
    addresses.addObject().put("type", "InternalIP").put("address", nodeIp);
    addresses.addObject().put("type", "Hostname").put("address", nodeName);
    ObjectNode info = status.putObject("nodeInfo");
    info.put("kubeletVersion", version)
        .put("kubeProxyVersion", version)
        .put("containerRuntimeVersion", "containerd://1.7.24")
        .put("operatingSystem", "linux")
        .put("architecture", "amd64")
        .put("kernelVersion", System.getProperty("os.version"))
        .put("osImage", "Debian GNU/Linux 12 (bookworm)")
        .put("machineID", "")
        .put("systemUUID", "")
        .put("bootID", "");
    ObjectNode cap = status.putObject("capacity");
    cap.put("cpu", Integer.toString(Runtime.getRuntime().availableProcessors()))
        .put("memory", memoryKi() + "Ki")
        .put("pods", "110")
        .put("ephemeral-storage", "20Gi");
    status.set("allocatable", cap.deepCopy());
    status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", 10250);
    try {
      api.put(path + "/status", n);
    } catch (KubeRest.KubeApiException e) {
      if (e.status() != 409) {
        throw e;
      }
      // Someone else (the node lifecycle controller) wrote in between: next beat retries.
    }
  }

  private static void condition(
      ArrayNode list,
      String type,
      String status,
      String reason,
      String message,
      String now,
      Map<String, String> previous,
      Map<String, String> transitions) {
    boolean changed = !status.equals(previous.get(type));
    list.addObject()
        .put("type", type)
        .put("status", status)
        .put("reason", reason)
        .put("message", message)
        .put("lastHeartbeatTime", now)
        .put("lastTransitionTime", changed ? now : transitions.get(type));
  }

  /** Mirror pods: the API's view of this node's static pods, with the manifest's annotations. */
  private void mirror(KubeRest api, List<StaticPods.Pod> pods) throws IOException {
    for (StaticPods.Pod p : pods) {
      String name = p.name() + "-" + nodeName;
      String path = "/api/v1/namespaces/kube-system/pods/" + name;
      ObjectNode pod = KubeRest.JSON.createObjectNode();
      pod.put("apiVersion", "v1").put("kind", "Pod");
      ObjectNode meta = pod.putObject("metadata").put("name", name).put("namespace", "kube-system");
      ObjectNode ann = meta.putObject("annotations");
      p.manifest()
          .path("metadata")
          .path("annotations")
          .fields()
          .forEachRemaining(e -> ann.set(e.getKey(), e.getValue()));
      ann.put("kubernetes.io/config.mirror", "graft-lab")
          .put("kubernetes.io/config.source", "file");
      ObjectNode l = meta.putObject("labels");
      p.manifest()
          .path("metadata")
          .path("labels")
          .fields()
          .forEachRemaining(e -> l.set(e.getKey(), e.getValue()));
      ObjectNode spec = (ObjectNode) p.manifest().path("spec").deepCopy();
      spec.put("nodeName", nodeName);
      pod.set("spec", spec);
      String phase = p.running() ? "Running" : p.runnable() ? "Pending" : "Running";
      JsonNode existing = api.get(path);
      if (existing == null) {
        api.post("/api/v1/namespaces/kube-system/pods", pod);
        existing = api.get(path);
      }
      if (existing != null && !phase.equals(existing.path("status").path("phase").asText())) {
        ObjectNode e = (ObjectNode) existing;
        e.putObject("status").put("phase", phase).put("podIP", nodeIp).put("hostIP", nodeIp);
        try {
          api.put(path + "/status", e);
        } catch (KubeRest.KubeApiException ex) {
          if (ex.status() != 409) {
            throw ex;
          }
        }
      }
    }
  }

  private Map<String, String> defaultLabels() {
    Map<String, String> l = new LinkedHashMap<>();
    l.put("beta.kubernetes.io/arch", "amd64");
    l.put("beta.kubernetes.io/os", "linux");
    l.put("kubernetes.io/arch", "amd64");
    l.put("kubernetes.io/hostname", nodeName);
    l.put("kubernetes.io/os", "linux");
    return l;
  }

  private String staticPodPath() throws IOException {
    String explicit = flags.get("pod-manifest-path");
    if (explicit != null) {
      return explicit;
    }
    String config = flags.get("config");
    if (config != null && Files.exists(paths.get(config))) {
      JsonNode c = Kubeconfig.YAML.readTree(Files.readString(paths.get(config)));
      String p = c.path("staticPodPath").asText("");
      if (!p.isEmpty()) {
        return p;
      }
    }
    return Kubeadm.MANIFESTS;
  }

  /** --node-labels as the kubelet validates it: no kubernetes.io labels outside its allow-list. */
  static Map<String, String> parseLabels(String spec) throws StandinFailure {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> forbidden = new ArrayList<>();
    for (String pair : spec.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new StandinFailure(
            1,
            "invalid argument \""
                + spec
                + "\" for \"--node-labels\""
                + " flag: "
                + pair
                + " must be formatted as key=value");
      }
      String key = pair.substring(0, eq).strip();
      String value = pair.substring(eq + 1).strip();
      if (!key.matches("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
          || !value.matches("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")) {
        throw new StandinFailure(1, "invalid node labels: invalid label \"" + pair + "\"");
      }
      String ns = key.contains("/") ? key.substring(0, key.indexOf('/')) : "";
      boolean restricted =
          ns.equals("kubernetes.io")
              || ns.endsWith(".kubernetes.io")
              || ns.equals("k8s.io")
              || ns.endsWith(".k8s.io");
      boolean allowed =
          ALLOWED_KUBERNETES_LABELS.contains(key)
              || ns.equals("kubelet.kubernetes.io")
              || ns.endsWith(".kubelet.kubernetes.io")
              || ns.equals("node.kubernetes.io")
              || ns.endsWith(".node.kubernetes.io");
      if (restricted && !allowed) {
        forbidden.add(key);
      }
      out.put(key, value);
    }
    if (!forbidden.isEmpty()) {
      throw new StandinFailure(
          1,
          "failed to validate kubelet flags: unknown 'kubernetes.io' or"
              + " 'k8s.io' labels specified with --node-labels: "
              + forbidden.toString().replace(",", "")
              + "\n--node-labels in the 'kubernetes.io' namespace must begin with an"
              + " allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically"
              + " allowed set ("
              + String.join(", ", new TreeSet<>(ALLOWED_KUBERNETES_LABELS))
              + ")");
    }
    return out;
  }

  /** --register-with-taints: key[=value]:Effect,… */
  static List<ObjectNode> parseTaints(String spec) throws StandinFailure {
    List<ObjectNode> out = new ArrayList<>();
    for (String t : spec.split(",")) {
      if (t.isBlank()) {
        continue;
      }
      int colon = t.lastIndexOf(':');
      String effect = colon < 0 ? "" : t.substring(colon + 1);
      String kv = colon < 0 ? t : t.substring(0, colon);
      if (!Set.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect) || kv.isEmpty()) {
        throw new StandinFailure(
            1,
            "invalid argument \""
                + spec
                + "\" for"
                + " \"--register-with-taints\" flag: invalid taint spec: "
                + t);
      }
      ObjectNode o = KubeRest.JSON.createObjectNode();
      int eq = kv.indexOf('=');
      o.put("key", eq < 0 ? kv : kv.substring(0, eq));
      if (eq >= 0) {
        o.put("value", kv.substring(eq + 1));
      }
      o.put("effect", effect);
      out.add(o);
    }
    return out;
  }

  /** The host's name: /etc/hostname inside a sandbox root, else the UTS namespace's hostname. */
  static String hostname(HostPaths paths) {
    try {
      if (!paths.prefix().isEmpty()) {
        Path h = paths.get("/etc/hostname");
        if (Files.exists(h)) {
          return Files.readString(h).strip();
        }
      }
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static long memoryKi() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Fall through to a plausible figure: capacity is informational for the lab.
    }
    return 4L * 1024 * 1024;
  }
}
