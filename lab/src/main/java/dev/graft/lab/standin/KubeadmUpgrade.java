package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kubeadm upgrade plan|apply|node, as kubeadm v1.31 words and validates them.
 *
 * <p>Version policy (kubeadm's EnforceVersionPolicies): the target must parse, not be below
 * kubeadm's minimum control-plane version (its own minor - 1), be at most one minor above the
 * cluster, not a downgrade of the minor; a newer minor than kubeadm's own is fatal, a newer patch
 * or an older kubeadm minor is skippable with --force. apply writes the static pod manifests of
 * this node with the target's image tags (etcd too, unless --etcd-upgrade=false: the kubelet
 * stand-in then restarts the real etcd, and apply waits for it), keeps the old manifests in
 * /etc/kubernetes/tmp/kubeadm-backup-manifests-*, stores the version in kubeadm-config and the
 * kubelet configuration; node refreshes a control plane's manifests to the cluster's version and
 * any node's kubelet configuration.
 */
final class KubeadmUpgrade {
  private static final Set<String> COMPONENTS =
      Set.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler");
  private static final Pattern IMAGE =
      Pattern.compile(
          "(?m)^(\\s*image: \\S+/(etcd|kube-apiserver"
              + "|kube-controller-manager|kube-scheduler)):(\\S+)$");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");

  private final Kubeadm k;

  KubeadmUpgrade(Kubeadm k) {
    this.k = k;
  }

  void run(List<String> argv) throws StandinFailure, IOException {
    String sub = argv.isEmpty() ? "" : argv.get(0);
    List<String> rest = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
    switch (sub) {
      case "plan" -> plan(rest);
      case "apply" -> apply(rest);
      case "node" -> node(rest);
      case "diff" ->
          throw new StandinFailure(
              1, "the kubeadm stand-in does not implement" + " 'kubeadm upgrade diff'");
      default ->
          throw new StandinFailure(1, "unknown command \"" + sub + "\" for \"kubeadm upgrade\"");
    }
  }

  /** Mandatory and skippable version-policy errors, worded as kubeadm's. */
  record Policy(List<String> mandatory, List<String> skippable) {
    boolean ok() {
      return mandatory.isEmpty() && skippable.isEmpty();
    }
  }

  private void readConfigLines() {
    k.out.println("[preflight] Running pre-flight checks.");
    k.out.println("[upgrade/config] Reading configuration from the cluster...");
    k.out.println(
        "[upgrade/config] FYI: You can look at this config file with 'kubectl -n"
            + " kube-system get cm kubeadm-config -o yaml'");
  }

  private void plan(List<String> argv) throws StandinFailure, IOException {
    Args a =
        Args.parse(
            argv,
            Set.of(
                "kubeconfig", "config", "ignore-preflight-errors", "v", "output", "feature-gates"),
            Set.of(
                "allow-experimental-upgrades",
                "allow-release-candidate-upgrades",
                "print-config",
                "show-managed-fields"),
            Map.of("o", "output"));
    String output = a.get("output", "text");
    if (!List.of("text", "json", "yaml").contains(output)) {
      throw new StandinFailure(
          1,
          "error: unable to match a printer suitable for the output"
              + " format \""
              + output
              + "\", allowed formats are: json,text,yaml");
    }
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    String current = Kubeadm.clusterConfiguration(api).path("kubernetesVersion").asText();
    boolean text = output.equals("text");
    // Offline (the lab has no route out), kubeadm falls back to its own version as the latest.
    String target = a.positional.isEmpty() ? k.version : Kubeadm.normalize(a.positional.get(0));
    if (text) {
      readConfigLines();
      k.out.println("[upgrade] Running cluster health checks");
      k.out.println("[upgrade] Fetching available versions to upgrade to");
      k.out.println("[upgrade/versions] Cluster version: " + current);
      k.out.println("[upgrade/versions] kubeadm version: " + k.version);
      if (a.positional.isEmpty()) {
        k.out.println(
            "[upgrade/versions] WARNING: Couldn't fetch latest stable version from the"
                + " internet: unable to get URL \"https://dl.k8s.io/release/stable.txt\": Get"
                + " \"https://dl.k8s.io/release/stable.txt\": dial tcp: lookup dl.k8s.io: no such"
                + " host");
        k.out.println(
            "[upgrade/versions] WARNING: Falling back to current kubeadm version as"
                + " latest stable version");
      }
      k.out.println("[upgrade/versions] Target version: " + target);
      k.out.println(
          "[upgrade/versions] Latest version in the " + series(current) + " series: " + current);
    }
    int[] t = Kubeadm.parseVersion(target);
    int[] c = Kubeadm.parseVersion(current);
    boolean available =
        t != null
            && c != null
            && Kubeadm.compare(t, c) > 0
            && policy(current, target).mandatory().isEmpty();
    String etcdCurrent = manifestTag("etcd");
    if (!text) {
      k.out.print(planObject(api, current, target, available, etcdCurrent, output));
      return;
    }
    if (!available) {
      k.out.println("\nAwesome, you're up-to-date! Enjoy!");
      return;
    }
    k.out.println(
        "\nComponents that must be upgraded manually after you have upgraded the"
            + " control plane with 'kubeadm upgrade apply':");
    k.out.printf("%-11s %-15s %-9s %s%n", "COMPONENT", "NODE", "CURRENT", "TARGET");
    for (Map.Entry<String, String> e : kubelets(api).entrySet()) {
      k.out.printf("%-11s %-15s %-9s %s%n", "kubelet", e.getKey(), e.getValue(), target);
    }
    k.out.println("\nUpgrade to the latest stable version:\n");
    k.out.printf("%-25s %-15s %-10s %s%n", "COMPONENT", "NODE", "CURRENT", "TARGET");
    List<String> cps = controlPlanes(api);
    for (String comp : List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
      for (String node : cps) {
        k.out.printf("%-25s %-15s %-10s %s%n", comp, node, current, target);
      }
    }
    k.out.printf("%-25s %-15s %-10s %s%n", "kube-proxy", "", current.substring(1), target);
    k.out.printf(
        "%-25s %-15s %-10s %s%n",
        "CoreDNS", "", KubeImages.coreDnsTag(current), KubeImages.coreDnsTag(target));
    for (String node : cps) {
      k.out.printf(
          "%-25s %-15s %-10s %s%n",
          "etcd",
          node,
          etcdCurrent == null ? KubeImages.etcdTag(current) : etcdCurrent,
          KubeImages.etcdTag(target));
    }
    k.out.println(
        "\nYou can now apply the upgrade by executing the following command:\n\n"
            + "\tkubeadm upgrade apply "
            + target
            + "\n");
    k.out.println("_____________________________________________________________________\n");
    k.out.println(
        "The table below shows the current state of component configs as understood"
            + " by this version of kubeadm.\nConfigs that have a \"yes\" mark in the \"MANUAL UPGRADE"
            + " REQUIRED\" column require manual config upgrade or\nresetting to kubeadm defaults"
            + " before a successful upgrade can be performed. The version to manually\nupgrade to is"
            + " denoted in the \"PREFERRED VERSION\" column.\n");
    k.out.printf(
        "%-25s %-17s %-19s %s%n",
        "API GROUP", "CURRENT VERSION", "PREFERRED VERSION", "MANUAL UPGRADE REQUIRED");
    k.out.printf("%-25s %-17s %-19s %s%n", "kubeproxy.config.k8s.io", "v1alpha1", "v1alpha1", "no");
    k.out.printf("%-25s %-17s %-19s %s%n", "kubelet.config.k8s.io", "v1beta1", "v1beta1", "no");
    k.out.println("_____________________________________________________________________\n");
  }

  /** `upgrade plan -o json|yaml`: output.kubeadm.k8s.io/v1alpha3 UpgradePlan. */
  private String planObject(
      KubeRest api,
      String current,
      String target,
      boolean available,
      String etcdCurrent,
      String output)
      throws IOException {
    ObjectNode plan = KubeRest.JSON.createObjectNode();
    plan.put("kind", "UpgradePlan").put("apiVersion", "output.kubeadm.k8s.io/v1alpha3");
    ArrayNode ups = plan.putArray("availableUpgrades");
    if (available) {
      ObjectNode up =
          ups.addObject().put("description", "version in the " + series(current) + " series");
      ArrayNode comps = up.putArray("components");
      for (Map.Entry<String, String> e : kubelets(api).entrySet()) {
        component(comps, "kubelet", e.getKey(), e.getValue(), target);
      }
      List<String> cps = controlPlanes(api);
      for (String comp : List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
        for (String node : cps) {
          component(comps, comp, node, current, target);
        }
      }
      component(comps, "kube-proxy", "", current, target);
      component(
          comps, "CoreDNS", "", KubeImages.coreDnsTag(current), KubeImages.coreDnsTag(target));
      for (String node : cps) {
        component(
            comps,
            "etcd",
            node,
            etcdCurrent == null ? KubeImages.etcdTag(current) : etcdCurrent,
            KubeImages.etcdTag(target));
      }
    }
    ArrayNode configs = plan.putArray("configVersions");
    for (String g : List.of("kubeproxy.config.k8s.io", "kubelet.config.k8s.io")) {
      configs
          .addObject()
          .put("group", g)
          .put("currentVersion", g.startsWith("kubeproxy") ? "v1alpha1" : "v1beta1")
          .put("preferredVersion", g.startsWith("kubeproxy") ? "v1alpha1" : "v1beta1")
          .put("manualUpgradeRequired", false);
    }
    return output.equals("json")
        ? KubeRest.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(plan) + "\n"
        : Kubeconfig.YAML.writeValueAsString(plan).replaceFirst("^---\\n", "");
  }

  private static void component(
      ArrayNode comps, String name, String node, String cur, String next) {
    ObjectNode c = comps.addObject().put("name", name);
    if (!node.isEmpty()) {
      c.put("nodeName", node);
    }
    c.put("currentVersion", cur).put("newVersion", next);
  }

  private static String series(String version) {
    int[] v = Kubeadm.parseVersion(version);
    return v == null ? version : "v" + v[0] + "." + v[1];
  }

  /** Each Node's kubelet version, by node name. */
  private static Map<String, String> kubelets(KubeRest api) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode nodes = api.get("/api/v1/nodes");
    for (JsonNode n : nodes == null ? KubeRest.JSON.createArrayNode() : nodes.path("items")) {
      out.put(
          n.path("metadata").path("name").asText(),
          n.path("status").path("nodeInfo").path("kubeletVersion").asText(""));
    }
    return out;
  }

  private static List<String> controlPlanes(KubeRest api) throws IOException {
    List<String> out = new ArrayList<>();
    JsonNode nodes = api.get("/api/v1/nodes");
    for (JsonNode n : nodes == null ? KubeRest.JSON.createArrayNode() : nodes.path("items")) {
      if (n.path("metadata").path("labels").has("node-role.kubernetes.io/control-plane")) {
        out.add(n.path("metadata").path("name").asText());
      }
    }
    return out;
  }

  private void apply(List<String> argv) throws StandinFailure, IOException {
    Args a =
        Args.parse(
            argv,
            Set.of(
                "kubeconfig", "config", "ignore-preflight-errors", "v", "patches", "feature-gates"),
            Set.of(
                "yes",
                "force",
                "dry-run",
                "etcd-upgrade",
                "certificate-renewal",
                "allow-experimental-upgrades",
                "allow-release-candidate-upgrades",
                "print-config"),
            Map.of("y", "yes", "f", "force"));
    if (a.positional.size() != 1) {
      throw new StandinFailure(
          1,
          "[upgrade/version] FATAL: missing version argument: specify"
              + " the version to upgrade to, e.g. kubeadm upgrade apply v1.31.0\nTo see the stack"
              + " trace of this error execute with --v=5 or higher");
    }
    String target = Kubeadm.normalize(a.positional.get(0));
    boolean etcdUpgrade = !"false".equalsIgnoreCase(a.get("etcd-upgrade", "true"));
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    JsonNode cc = Kubeadm.clusterConfiguration(api);
    String current = cc.path("kubernetesVersion").asText();
    readConfigLines();
    k.out.println("[upgrade] Running cluster health checks");
    k.out.println(
        "[upgrade/version] You have chosen to change the cluster version to \"" + target + "\"");
    k.out.println("[upgrade/versions] Cluster version: " + current);
    k.out.println("[upgrade/versions] kubeadm version: " + k.version);
    Policy p = policy(current, target);
    if (!p.mandatory().isEmpty()) {
      throw new StandinFailure(
          1,
          "[upgrade/version] FATAL: the --version argument is invalid"
              + " due to these fatal errors:\n\n"
              + list(p.mandatory())
              + "\nPlease fix the"
              + " misalignments highlighted above and try upgrading again\nTo see the stack trace of"
              + " this error execute with --v=5 or higher");
    }
    if (!p.skippable().isEmpty()) {
      if (!a.bool("force")) {
        throw new StandinFailure(
            1,
            "[upgrade/version] FATAL: the --version argument is invalid"
                + " due to these errors:\n\n"
                + list(p.skippable())
                + "\nCan be bypassed if you pass"
                + " the --force flag\nTo see the stack trace of this error execute with --v=5 or"
                + " higher");
      }
      k.out.print(
          "[upgrade/version] Found "
              + p.skippable().size()
              + " potential version"
              + " compatibility errors but skipping since the --force flag is set: \n\n"
              + list(p.skippable()));
    }
    if (!a.bool("yes")
        && !a.bool("force")
        && !k.confirm("[upgrade] Are you sure you want to proceed?")) {
      throw new StandinFailure(
          1,
          "[upgrade/confirm] FATAL: won't proceed; the user didn't"
              + " answer (Y|y) in order to continue\nTo see the stack trace of this error execute"
              + " with --v=5 or higher");
    }
    if (a.bool("dry-run")) {
      k.out.println("[dryrun] Finished dryrunning successfully!");
      return;
    }
    k.out.println(
        "[upgrade/prepull] Pulling images required for setting up a Kubernetes" + " cluster");
    k.out.println(
        "[upgrade/prepull] This might take a minute or two, depending on the speed of"
            + " your internet connection");
    KubeadmImages.record(k, KubeImages.all(target));
    k.out.println(
        "[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \""
            + target
            + "\" (timeout: 5m0s)...");
    Path backup = backupManifests();
    List<String> order =
        new ArrayList<>(List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler"));
    if (etcdUpgrade) {
      order.add(0, "etcd");
    }
    for (String comp : order) {
      upgradeManifest(comp, target, backup);
      if (comp.equals("etcd")) {
        int pause = UpgradeFaults.pause(k);
        if (pause > 0) {
          sleep(pause);
        }
      }
      if (comp.equals("kube-apiserver") && UpgradeFaults.take(k, "apply/control-plane")) {
        rollback(backup);
        throw new StandinFailure(
            1,
            "[upgrade/apply] FATAL: couldn't upgrade control plane."
                + " kubeadm has tried to recover everything into the earlier state. Errors faced:"
                + " static Pod hash for component kube-apiserver on Node "
                + nodeName()
                + " did not change after 5m0s: timed out waiting for the condition\nTo see the stack"
                + " trace of this error execute with --v=5 or higher");
      }
    }
    ObjectNode updated = ((ObjectNode) cc).put("kubernetesVersion", target);
    JsonNode cm = api.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config");
    ((ObjectNode) cm.path("data"))
        .put(
            "ClusterConfiguration",
            Kubeconfig.YAML.writeValueAsString(updated).replaceFirst("^---\\n", ""));
    api.put("/api/v1/namespaces/kube-system/configmaps/kubeadm-config", cm);
    k.out.println(
        "[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\""
            + " in the \"kube-system\" Namespace");
    k.out.println(
        "[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system"
            + " with the configuration for the kubelets in the cluster");
    kubeletConfig();
    k.out.println(
        "[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get" + " nodes");
    k.out.println("[addons] Applied essential addon: CoreDNS");
    k.out.println("[addons] Applied essential addon: kube-proxy");
    int[] kv = Kubeadm.parseVersion(k.version);
    if (kv != null && kv[1] >= 32) {
      k.out.println(
          "\n[upgrade] SUCCESS! A control plane node of your cluster was upgraded to \""
              + target
              + "\".\n\n[upgrade] Now please proceed with upgrading the rest of the nodes"
              + " by following the right order.");
    } else {
      k.out.println(
          "\n[upgrade/successful] SUCCESS! Your cluster was upgraded to \""
              + target
              + "\". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please"
              + " proceed with upgrading your kubelets if you haven't already done so.");
    }
  }

  private void node(List<String> argv) throws StandinFailure, IOException {
    Args a =
        Args.parse(
            argv,
            Set.of(
                "kubeconfig", "config", "ignore-preflight-errors", "v", "patches", "skip-phases"),
            Set.of("dry-run", "etcd-upgrade", "certificate-renewal"),
            Map.of());
    if (!a.positional.isEmpty()) {
      throw new StandinFailure(
          1, "unknown command \"" + a.positional.get(0) + "\" for \"kubeadm upgrade node\"");
    }
    Set<String> skip = Set.of(a.get("skip-phases", "").split(","));
    boolean etcdUpgrade = !"false".equalsIgnoreCase(a.get("etcd-upgrade", "true"));
    boolean controlPlane = Files.exists(k.path(Kubeadm.MANIFESTS + "/kube-apiserver.yaml"));
    String kubeconfig =
        a.get(
            "kubeconfig",
            Files.exists(k.path(Kubeadm.ADMIN_CONF)) ? Kubeadm.ADMIN_CONF : Kubeadm.KUBELET_CONF);
    KubeRest api = k.client(kubeconfig);
    String target = Kubeadm.clusterConfiguration(api).path("kubernetesVersion").asText();
    k.out.println("[upgrade] Reading configuration from the cluster...");
    k.out.println(
        "[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system"
            + " get cm kubeadm-config -o yaml'");
    if (!skip.contains("preflight")) {
      // Stricter than kubeadm, which would write the cluster's version with any binary: the
      // upgrade guide upgrades the kubeadm package first, and a lab run that forgot to should
      // fail loudly.
      if (Kubeadm.compare(Kubeadm.parseVersion(k.version), Kubeadm.parseVersion(target)) < 0) {
        throw StandinFailure.phase(
            "preflight",
            "the kubeadm version \""
                + k.version
                + "\" is"
                + " lower than the cluster version \""
                + target
                + "\"; upgrade kubeadm first");
      }
      k.out.println("[preflight] Running pre-flight checks");
    }
    if (a.bool("dry-run")) {
      k.out.println("[dryrun] Finished dryrunning successfully!");
      return;
    }
    if (skip.contains("control-plane")) {
      k.out.println("[upgrade] Skipping phase control-plane.");
    } else if (controlPlane) {
      k.out.println(
          "[upgrade] Upgrading your Static Pod-hosted control plane instance to"
              + " version \""
              + target
              + "\"...");
      Path backup = backupManifests();
      for (String comp :
          List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
        if (!comp.equals("etcd") || etcdUpgrade) {
          upgradeManifest(comp, target, backup);
        }
      }
      k.out.println(
          "[upgrade] The control plane instance for this node was successfully" + " upgraded!");
    } else {
      k.out.println("[upgrade] Skipping phase. Not a control plane node.");
    }
    if (UpgradeFaults.take(k, "node/control-plane")) {
      throw StandinFailure.phase(
          "kubelet-config",
          "failed to download kubelet configuration"
              + " from the cluster: Get \""
              + api.server()
              + "/api/v1/namespaces/kube-system/"
              + "configmaps/kubelet-config?timeout=10s\": http2: client connection lost");
    }
    if (!skip.contains("kubelet-config")) {
      kubeletConfig();
    }
    k.out.println("[upgrade] The configuration for this node was successfully upgraded!");
    k.out.println(
        "[upgrade] Now you should go ahead and upgrade the kubelet package using your"
            + " package manager.");
  }

  private void kubeletConfig() throws IOException {
    String stamp = LocalDateTime.now().format(STAMP);
    Path current = k.path("/var/lib/kubelet/config.yaml");
    if (Files.exists(current)) {
      String dir = "/etc/kubernetes/tmp/kubeadm-kubelet-config-" + stamp;
      k.out.println("[upgrade] Backing up kubelet config file to " + dir + "/config.yaml");
      k.writeFile(dir + "/config.yaml", Files.readString(current), false);
    }
    k.out.println(
        "[kubelet-start] Writing kubelet configuration to file"
            + " \"/var/lib/kubelet/config.yaml\"");
    k.writeFile("/var/lib/kubelet/config.yaml", StaticPodManifests.kubeletConfig(), false);
  }

  /** kubeadm's version policy (EnforceVersionPolicies), worded as kubeadm words it. */
  Policy policy(String current, String target) {
    List<String> mandatory = new ArrayList<>();
    List<String> skippable = new ArrayList<>();
    int[] t = Kubeadm.parseVersion(target);
    int[] c = Kubeadm.parseVersion(current);
    int[] kv = Kubeadm.parseVersion(k.version);
    if (t == null) {
      mandatory.add(
          "Unable to parse normalized version \"" + target + "\" as a semantic" + " version");
      return new Policy(mandatory, skippable);
    }
    if (c == null || kv == null) {
      mandatory.add("Unable to parse the cluster version \"" + current + "\"");
      return new Policy(mandatory, skippable);
    }
    String minimum = "v" + kv[0] + "." + (kv[1] - 1) + ".0";
    if (Kubeadm.compare(t, Kubeadm.parseVersion(minimum)) < 0) {
      mandatory.add(
          "Specified version to upgrade to \""
              + target
              + "\" is equal to or lower"
              + " than the minimum supported version \""
              + minimum
              + "\". Please specify a higher"
              + " version to upgrade to");
    }
    if (kv[0] > t[0] || kv[1] > t[1]) {
      skippable.add(
          "Kubeadm version "
              + k.version
              + " can only be used to upgrade to"
              + " Kubernetes version "
              + kv[0]
              + "."
              + kv[1]);
    }
    if (Kubeadm.compare(t, c) < 0) {
      if (t[0] < c[0] || t[1] < c[1]) {
        mandatory.add(
            "Specified version to upgrade to \""
                + target
                + "\" is at least one minor"
                + " release lower than the cluster version \""
                + current
                + "\". Downgrading the"
                + " Kubernetes minor version is not supported");
      } else {
        skippable.add(
            "Specified version to upgrade to \""
                + target
                + "\" is equal to or lower"
                + " than the cluster version \""
                + current
                + "\". Downgrades are not supported yet");
      }
    } else if (t[0] != c[0] || t[1] > c[1] + 1) {
      mandatory.add(
          "Specified version to upgrade to \""
              + target
              + "\" is too high; kubeadm can"
              + " upgrade only 1 minor version at a time");
    }
    if (Kubeadm.compare(kv, t) < 0) {
      if (t[0] > kv[0] || t[1] > kv[1]) {
        mandatory.add(
            "Kubeadm version \""
                + k.version
                + "\" can only be used to upgrade to"
                + " Kubernetes version \"v"
                + kv[0]
                + "."
                + kv[1]
                + "\"");
      } else {
        skippable.add(
            "Specified version to upgrade to \""
                + target
                + "\" is higher than the"
                + " kubeadm version \""
                + k.version
                + "\". Upgrade kubeadm first using the tool you"
                + " used to install kubeadm");
      }
    }
    return new Policy(mandatory, skippable);
  }

  private static String list(List<String> errors) {
    StringBuilder b = new StringBuilder();
    errors.forEach(e -> b.append("\t- ").append(e).append('\n'));
    return b.toString();
  }

  private String nodeName() {
    try {
      Path f = k.path("/etc/hostname");
      return Files.exists(f) ? Files.readString(f).strip() : "localhost";
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** The image tag of a component's manifest on this node, null without one. */
  private String manifestTag(String component) throws IOException {
    Path p = k.path(Kubeadm.MANIFESTS + "/" + component + ".yaml");
    if (!Files.exists(p)) {
      return null;
    }
    Matcher m = IMAGE.matcher(Files.readString(p));
    return m.find() ? m.group(3) : null;
  }

  /** Copies this node's manifests into kubeadm's backup dir, as apply and node do first. */
  private Path backupManifests() throws IOException {
    String dir =
        "/etc/kubernetes/tmp/kubeadm-backup-manifests-" + LocalDateTime.now().format(STAMP);
    for (String comp : COMPONENTS) {
      Path p = k.path(Kubeadm.MANIFESTS + "/" + comp + ".yaml");
      if (Files.exists(p)) {
        k.writeFile(dir + "/" + comp + ".yaml", Files.readString(p), true);
      }
    }
    return k.path(dir);
  }

  private void rollback(Path backup) throws IOException {
    for (String comp : COMPONENTS) {
      Path b = backup.resolve(comp + ".yaml");
      if (Files.exists(b)) {
        k.writeFile(Kubeadm.MANIFESTS + "/" + comp + ".yaml", Files.readString(b), true);
      }
    }
  }

  /**
   * Rewrites one component's manifest with the target's image tag, worded as kubeadm; etcd is then
   * restarted by the kubelet stand-in, and this waits until the new etcd process answers.
   */
  private void upgradeManifest(String comp, String target, Path backup)
      throws IOException, StandinFailure {
    Path p = k.path(Kubeadm.MANIFESTS + "/" + comp + ".yaml");
    if (!Files.exists(p)) {
      return;
    }
    String tag = comp.equals("etcd") ? KubeImages.etcdTag(target) : target;
    String old = Files.readString(p);
    Matcher m = IMAGE.matcher(old);
    if (comp.equals("etcd")
        && m.find()
        && Kubeadm.compare(etcdVersion(m.group(3)), etcdVersion(tag)) > 0) {
      k.out.println(
          "[upgrade/etcd] etcd image version "
              + m.group(3)
              + " is newer than the"
              + " desired one "
              + tag
              + ", skipping");
      return;
    }
    String next = IMAGE.matcher(old).replaceAll("$1:" + tag);
    k.out.println("[upgrade/staticpods] Preparing for \"" + comp + "\" upgrade");
    if (next.equals(old)) {
      k.out.println(
          "[upgrade/staticpods] Current and new manifests of "
              + comp
              + " are equal,"
              + " skipping upgrade");
      return;
    }
    String etcdPid = comp.equals("etcd") ? etcdPid() : null;
    k.writeFile(Kubeadm.MANIFESTS + "/" + comp + ".yaml", next, true);
    k.out.println(
        "[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/"
            + comp
            + ".yaml\" and backed up old manifest to \""
            + hostPath(backup.resolve(comp + ".yaml"))
            + "\"");
    k.out.println("[upgrade/staticpods] Waiting for the kubelet to restart the component");
    k.out.println("[upgrade/staticpods] This can take up to 5m0s");
    if (comp.equals("etcd")) {
      waitForNewEtcd(etcdPid);
    }
    k.out.println("[upgrade/staticpods] Component \"" + comp + "\" upgraded successfully!");
  }

  /** A path of this host as the host sees it (without the sandbox prefix). */
  private String hostPath(Path p) {
    String prefix = k.paths.prefix();
    String s = p.toString();
    return !prefix.isEmpty() && s.startsWith(prefix) ? s.substring(prefix.length()) : s;
  }

  private static int[] etcdVersion(String tag) {
    int[] v = Kubeadm.parseVersion(tag.replaceFirst("-\\d+$", ""));
    return v == null ? new int[] {0, 0, 0} : v;
  }

  private String etcdPid() throws IOException {
    Path p = k.path(StaticPods.PID_DIR + "/etcd.pid");
    return Files.exists(p) ? Files.readString(p).strip() : null;
  }

  /** Waits (60 s) until the kubelet stand-in has restarted etcd and the new process lives. */
  private void waitForNewEtcd(String before) throws IOException, StandinFailure {
    k.out.println("[upgrade/etcd] Waiting for etcd to become available");
    for (int i = 0; i < 300; i++) {
      String now = etcdPid();
      if (now != null && !now.equals(before)) {
        try {
          if (ProcessHandle.of(Long.parseLong(now)).map(ProcessHandle::isAlive).orElse(false)) {
            return;
          }
        } catch (NumberFormatException e) {
          // Half-written PID file: read it again.
        }
      }
      sleep(0.2);
    }
    throw new StandinFailure(
        1,
        "[upgrade/apply] FATAL: fatal error when trying to upgrade the"
            + " etcd cluster, rolled the state back to pre-upgrade state: timed out waiting for the"
            + " condition\nTo see the stack trace of this error execute with --v=5 or higher");
  }

  private static void sleep(double seconds) throws IOException {
    try {
      Thread.sleep((long) (seconds * 1000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
