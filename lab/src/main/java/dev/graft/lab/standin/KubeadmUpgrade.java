package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kubeadm upgrade plan|apply|node. The stand-in holds kubeadm's version policy: the target must be
 * a valid version, not above the kubeadm binary's own version, at most one minor above the
 * cluster, and not a downgrade. apply records the new version in kubeadm-config and in the
 * control-plane manifests; node refreshes this node's manifests and kubelet configuration.
 */
final class KubeadmUpgrade {
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
      default -> throw new StandinFailure(1, "unknown command \"" + sub
          + "\" for \"kubeadm upgrade\"");
    }
  }

  private void plan(List<String> argv) throws StandinFailure, IOException {
    Args a = Args.parse(argv, Set.of("kubeconfig", "config", "ignore-preflight-errors", "v",
        "output"), Set.of("allow-experimental-upgrades", "allow-release-candidate-upgrades",
        "print-config"), Map.of("o", "output"));
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    String current = Kubeadm.clusterConfiguration(api).path("kubernetesVersion").asText();
    String target = a.positional.isEmpty() ? k.version : Kubeadm.normalize(a.positional.get(0));
    k.out.println("[upgrade/config] Making sure the configuration is correct:");
    k.out.println("[preflight] Running pre-flight checks.");
    k.out.println("[upgrade] Running cluster health checks");
    k.out.println("[upgrade] Fetching available versions to upgrade to");
    k.out.println("[upgrade/versions] Cluster version: " + current);
    k.out.println("[upgrade/versions] kubeadm version: " + k.version);
    List<String> problems = policy(current, target);
    if (!problems.isEmpty() || Kubeadm.compare(Kubeadm.parseVersion(target),
        Kubeadm.parseVersion(current)) <= 0) {
      k.out.println("\nAwesome, you're up-to-date! Enjoy!");
      return;
    }
    k.out.println("\nUpgrade to the latest version in the v" + Kubeadm.parseVersion(current)[0]
        + "." + Kubeadm.parseVersion(current)[1] + " series:\n");
    k.out.println("COMPONENT                 NODE      CURRENT   TARGET");
    for (String c : List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler",
        "kube-proxy", "etcd")) {
      k.out.printf("%-25s %-9s %-9s %s%n", c, "*", current, target);
    }
    k.out.println("\nYou can now apply the upgrade by executing the following command:\n\n"
        + "\tkubeadm upgrade apply " + target + "\n");
  }

  private void apply(List<String> argv) throws StandinFailure, IOException {
    Args a = Args.parse(argv, Set.of("kubeconfig", "config", "ignore-preflight-errors", "v",
        "etcd-upgrade", "certificate-renewal", "patches"), Set.of("yes", "force", "dry-run",
        "allow-experimental-upgrades", "allow-release-candidate-upgrades", "print-config"),
        Map.of("y", "yes", "f", "force"));
    if (a.positional.size() != 1) {
      throw new StandinFailure(1, "[upgrade/version] FATAL: missing version argument: specify"
          + " the version to upgrade to, e.g. kubeadm upgrade apply v1.32.1");
    }
    String target = Kubeadm.normalize(a.positional.get(0));
    KubeRest api = k.client(a.get("kubeconfig", Kubeadm.ADMIN_CONF));
    JsonNode cc = Kubeadm.clusterConfiguration(api);
    String current = cc.path("kubernetesVersion").asText();
    k.out.println("[upgrade] Running cluster health checks");
    k.out.println("[upgrade/version] You have chosen to change the cluster version to \""
        + target + "\"");
    k.out.println("[upgrade/versions] Cluster version: " + current);
    k.out.println("[upgrade/versions] kubeadm version: " + k.version);
    List<String> problems = policy(current, target);
    if (!problems.isEmpty()) {
      throw new StandinFailure(1, "[upgrade/version] FATAL: the --version argument is invalid"
          + " due to these fatal errors:\n\n\t- " + String.join("\n\t- ", problems)
          + "\n\nPlease fix the misalignments highlighted above and try upgrading again\n"
          + "To see the stack trace of this error execute with --v=5 or higher");
    }
    if (!a.bool("yes") && !a.bool("force")
        && !k.confirm("[upgrade] Are you sure you want to proceed?")) {
      throw new StandinFailure(1, "won't proceed; the user didn't answer (Y|y) in order to"
          + " continue");
    }
    k.out.println("[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade");
    retagManifests(target);
    ObjectNode updated = ((ObjectNode) cc).put("kubernetesVersion", target);
    JsonNode cm = api.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config");
    ((ObjectNode) cm.path("data")).put("ClusterConfiguration",
        Kubeconfig.YAML.writeValueAsString(updated));
    api.put("/api/v1/namespaces/kube-system/configmaps/kubeadm-config", cm);
    k.out.println("[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\""
        + " in the \"kube-system\" Namespace");
    k.out.println("\n[upgrade] SUCCESS! A control plane node of your cluster was upgraded to \""
        + target + "\".\n\n[upgrade] Now please proceed with upgrading the rest of the nodes by"
        + " following the right order.");
  }

  private void node(List<String> argv) throws StandinFailure, IOException {
    Args a = Args.parse(argv, Set.of("kubeconfig", "config", "ignore-preflight-errors", "v",
        "etcd-upgrade", "certificate-renewal", "patches", "skip-phases"),
        Set.of("dry-run"), Map.of());
    boolean controlPlane = Files.exists(k.path(Kubeadm.MANIFESTS + "/kube-apiserver.yaml"));
    String kubeconfig = a.get("kubeconfig",
        controlPlane ? Kubeadm.ADMIN_CONF : Kubeadm.KUBELET_CONF);
    KubeRest api = k.client(kubeconfig);
    String target = Kubeadm.clusterConfiguration(api).path("kubernetesVersion").asText();
    k.out.println("[upgrade] Reading configuration from the \"kubeadm-config\" ConfigMap in"
        + " namespace \"kube-system\"...");
    if (Kubeadm.compare(Kubeadm.parseVersion(k.version), Kubeadm.parseVersion(target)) < 0) {
      throw StandinFailure.phase("preflight", "the kubeadm version \"" + k.version + "\" is"
          + " lower than the cluster version \"" + target + "\"; upgrade kubeadm first");
    }
    k.out.println("[preflight] Running pre-flight checks");
    if (controlPlane) {
      k.out.println("[upgrade/staticpods] Upgrading the control plane static Pods to " + target);
      retagManifests(target);
    } else {
      k.out.println("[upgrade] Skipping phase. Not a control plane node.");
    }
    k.writeFile("/var/lib/kubelet/config.yaml", StaticPodManifests.kubeletConfig(), false);
    k.out.println("[upgrade] The configuration for this node was successfully upgraded!");
    k.out.println("[upgrade] Now you should go ahead and upgrade the kubelet package using your"
        + " package manager.");
  }

  /** kubeadm's version policy; each problem is worded as kubeadm words it. */
  List<String> policy(String current, String target) {
    List<String> problems = new ArrayList<>();
    int[] t = Kubeadm.parseVersion(target);
    int[] c = Kubeadm.parseVersion(current);
    int[] kv = Kubeadm.parseVersion(k.version);
    if (t == null) {
      problems.add("Unable to parse normalized version \"" + target + "\" as a semantic version");
      return problems;
    }
    if (c == null) {
      problems.add("Unable to parse the cluster version \"" + current + "\"");
      return problems;
    }
    if (t[0] != c[0] || t[1] > c[1] + 1) {
      problems.add("Specified version to upgrade to \"" + target + "\" is too high; kubeadm can"
          + " upgrade only 1 minor version at a time");
    }
    if (Kubeadm.compare(t, c) < 0) {
      problems.add("Specified version to upgrade to \"" + target + "\" is equal to or lower than"
          + " the cluster version \"" + current + "\". Downgrades are not supported yet");
    }
    if (kv != null && Kubeadm.compare(t, kv) > 0) {
      problems.add("Specified version to upgrade to \"" + target + "\" is higher than the kubeadm"
          + " version \"" + k.version + "\". Upgrade kubeadm first using the tool you used to"
          + " install kubeadm");
    }
    return problems;
  }

  private void retagManifests(String version) throws IOException {
    var p = k.path(Kubeadm.MANIFESTS + "/kube-apiserver.yaml");
    if (Files.exists(p)) {
      String y = Files.readString(p).replaceAll("(image: registry.k8s.io/kube-apiserver:)\\S+",
          "$1" + version);
      k.writeFile(Kubeadm.MANIFESTS + "/kube-apiserver.yaml", y, false);
    }
  }
}
