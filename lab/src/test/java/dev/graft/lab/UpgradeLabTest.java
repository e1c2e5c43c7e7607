package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * An upgradable lab (v1.30.2 with v1.31.0 packages available) on two netns hosts, upgraded the way
 * Graft upgrades a node, with the hosts' real apt-get and dpkg: packages, kubelet restart and its
 * new version on the Node, `kubeadm upgrade apply` on the control plane, `kubeadm upgrade node` on
 * a worker, an etcd snapshot with the real etcdctl, and the machine's own /usr and dpkg database
 * untouched throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeLabTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final String CP = "k8s-node1";
  private static final String WORKER = "k8s-node2";
  private TreeMap<String, String> machineBefore;
  private Lab lab;
  private Path stateDir;
  private KubernetesClient kube;

  @BeforeAll
  void up() throws Exception {
    Prereqs.netns();
    Prereqs.require(
        "the bootstrap's etcd member and the snapshot",
        Stream.of("/usr/bin/etcd", "/usr/bin/etcdctl", "/usr/bin/dpkg-deb", "/usr/bin/apt-get")
            .filter(p -> !Files.isExecutable(Path.of(p)))
            .toList());
    machineBefore = machineFiles();
    stateDir = Files.createTempDirectory("graft-lab-upgrade-").resolve("lab");
    long t0 = System.nanoTime();
    lab =
        Lab.up(
            LabSpec.builder()
                .nodes(2)
                .kind(LabKind.NETNS)
                .stateDir(stateDir)
                .bootstrap(true)
                .nodeMonitorGracePeriod(Duration.ofSeconds(5))
                .kubernetesVersion("v1.30.2")
                .upgradeTo("v1.31.0")
                .build());
    System.out.printf(
        "lab up --nodes 2 --bootstrap, upgradable v1.30.2 -> v1.31.0: %.2f s%n",
        (System.nanoTime() - t0) / 1e9);
    Config config = Config.fromKubeconfig(Files.readString(Path.of(lab.state().kubeconfig())));
    // As Graft's clients: no retries of fabric8's own (it would retry the 429 of a blocked drain).
    config.setRequestRetryBackoffLimit(0);
    kube = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterAll
  void down() throws Exception {
    if (kube != null) {
      kube.close();
    }
    if (lab != null) {
      lab.close();
    }
    if (stateDir != null) {
      Files.deleteIfExists(stateDir.getParent());
    }
    if (machineBefore != null) {
      assertEquals(
          machineBefore,
          machineFiles(),
          "the machine's /usr/bin, /usr/local/bin and dpkg database are unchanged");
    }
  }

  /** What a package install on a host must never change on the machine itself. */
  private static TreeMap<String, String> machineFiles() throws IOException {
    TreeMap<String, String> m = new TreeMap<>();
    for (String f :
        List.of(
            "/var/lib/dpkg/status", "/etc/apt/sources.list.d", "/var/lib/dpkg/info/kubectl.list")) {
      Path p = Path.of(f);
      if (Files.isRegularFile(p)) {
        m.put(f, sha256(Files.readAllBytes(p)));
      } else if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.forEach(x -> m.put(x.toString(), "present"));
        }
      }
    }
    for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
      try (Stream<Path> s = Files.list(Path.of(dir))) {
        s.forEach(p -> m.put(p.toString(), Long.toString(p.toFile().lastModified())));
      }
    }
    return m;
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private ExecResult sh(String host, String script) {
    ExecResult r = lab.host(host).sh(T, script);
    assertTrue(r.ok(), host + ": " + script + "\n" + r);
    return r;
  }

  private static void await(String what, Duration timeout, BooleanSupplier done)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + timeout + ": " + what);
      }
      Thread.sleep(200);
    }
  }

  private String kubeletVersion(String node) {
    Node n = kube.nodes().withName(node).get();
    return n == null || n.getStatus() == null || n.getStatus().getNodeInfo() == null
        ? null
        : n.getStatus().getNodeInfo().getKubeletVersion();
  }

  private String ready(String node) {
    Node n = kube.nodes().withName(node).get();
    if (n == null || n.getStatus() == null) {
      return null;
    }
    return n.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready"))
        .map(NodeCondition::getStatus)
        .findFirst()
        .orElse(null);
  }

  @Test
  @Order(1)
  void everyHostHasBothVersionsAvailableAndTheFirstInstalledAndHeld() throws Exception {
    for (LabHost h : lab.hosts()) {
      String policy = sh(h.name(), "apt-cache policy kubeadm kubelet kubectl").stdout();
      assertTrue(
          policy.contains("kubeadm:\n  Installed: 1.30.2-1.1\n  Candidate: 1.31.0-1.1"), policy);
      assertTrue(
          policy.contains("1.31.0-1.1 500\n        500 file:/opt/graft-lab/apt ./ Packages"),
          policy);
      assertEquals("kubeadm\nkubectl\nkubelet\n", sh(h.name(), "apt-mark showhold").stdout());
      assertEquals("v1.30.2\n", sh(h.name(), "kubeadm version -o short").stdout());
      assertTrue(
          sh(h.name(), "kubectl version --client")
              .stdout()
              .startsWith("Client Version: v1.30.2\n"));
      assertEquals("/usr/local/bin/kubeadm\n", sh(h.name(), "command -v kubeadm").stdout());
      // The host's /usr is the machine's, read-only from inside the host.
      ExecResult w = lab.host(h.name()).sh(T, "touch /usr/bin/graft-lab-probe");
      assertFalse(w.ok(), w.toString());
      assertTrue(w.stderr().contains("Read-only file system"), w.stderr());
    }
    assertEquals("v1.30.2", kubeletVersion(CP));
    ConfigMap cc = kube.configMaps().inNamespace("kube-system").withName("kubeadm-config").get();
    assertTrue(cc.getData().get("ClusterConfiguration").contains("kubernetesVersion: v1.30.2"));
  }

  @Test
  @Order(2)
  void aWorkerJoinsAtTheOldVersion() throws Exception {
    String join = sh(CP, "kubeadm token create --print-join-command").stdout().strip();
    sh(WORKER, join);
    await("worker Ready", T, () -> "True".equals(ready(WORKER)));
    assertEquals("v1.30.2", kubeletVersion(WORKER));
  }

  @Test
  @Order(3)
  void imagesArePrefetchedForTheTargetWithTheOldKubeadm() throws Exception {
    for (LabHost h : lab.hosts()) {
      String out = sh(h.name(), "kubeadm config images pull --kubernetes-version v1.31.0").stdout();
      assertTrue(
          out.contains("[config/images] Pulled registry.k8s.io/kube-apiserver:v1.31.0\n"), out);
      assertTrue(
          sh(h.name(), "cat /var/lib/graft-lab/images")
              .stdout()
              .contains("registry.k8s.io/etcd:3.5.15-0\n"));
    }
    ExecResult old = lab.host(CP).sh(T, "kubeadm config images pull --kubernetes-version v1.28.0");
    assertEquals(1, old.exitCode(), old.toString());
    assertTrue(old.stderr().contains("control plane version >= 1.29.0"), old.stderr());
  }

  @Test
  @Order(4)
  void applyRefusesAnOldKubeadmAndRollsBackAFailedControlPlaneUpgrade() throws Exception {
    ExecResult tooOld = lab.host(CP).sh(T, "kubeadm upgrade apply v1.31.0 --yes");
    assertEquals(1, tooOld.exitCode(), tooOld.toString());
    assertTrue(
        tooOld
            .stderr()
            .contains(
                "Kubeadm version \"v1.30.2\" can only be used to upgrade"
                    + " to Kubernetes version \"v1.30\""),
        tooOld.stderr());
    sh(
        CP,
        "apt-mark unhold kubeadm && apt-get update -q"
            + " && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubeadm=1.31.0-1.1"
            + " && apt-mark hold kubeadm");
    lab.faults().failUpgrade(CP, "apply/control-plane", 1);
    ExecResult failed = lab.host(CP).sh(T, "kubeadm upgrade apply v1.31.0 --yes");
    assertEquals(1, failed.exitCode(), failed.toString());
    assertTrue(
        failed
            .stderr()
            .contains(
                "couldn't upgrade control plane. kubeadm has tried to"
                    + " recover everything into the earlier state"),
        failed.stderr());
    assertTrue(
        sh(CP, "cat /etc/kubernetes/manifests/kube-apiserver.yaml")
            .stdout()
            .contains("image: registry.k8s.io/kube-apiserver:v1.30.2"),
        "rolled back");
    ConfigMap cc = kube.configMaps().inNamespace("kube-system").withName("kubeadm-config").get();
    assertTrue(cc.getData().get("ClusterConfiguration").contains("kubernetesVersion: v1.30.2"));
  }

  @Test
  @Order(5)
  void theControlPlaneUpgradesThroughAptAndKubeadmUpgradeApply() throws Exception {
    // The kubeadm package first, as the Kubernetes upgrade guide does.
    sh(
        CP,
        "apt-mark unhold kubeadm && apt-get update -q"
            + " && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubeadm=1.31.0-1.1"
            + " && apt-mark hold kubeadm");
    assertEquals("v1.31.0\n", sh(CP, "kubeadm version -o short").stdout());
    String plan = sh(CP, "kubeadm upgrade plan").stdout();
    assertTrue(plan.contains("kubeadm upgrade apply v1.31.0"), plan);
    String json = sh(CP, "kubeadm upgrade plan -o json").stdout();
    assertTrue(json.contains("\"newVersion\" : \"v1.31.0\""), json);
    String apply = sh(CP, "kubeadm upgrade apply v1.31.0 --yes").stdout();
    assertTrue(
        apply.contains(
            "[upgrade/successful] SUCCESS! Your cluster was upgraded to" + " \"v1.31.0\". Enjoy!"),
        apply);
    assertTrue(
        sh(CP, "cat /etc/kubernetes/manifests/etcd.yaml")
            .stdout()
            .contains("image: registry.k8s.io/etcd:3.5.15-0"));
    ConfigMap cc = kube.configMaps().inNamespace("kube-system").withName("kubeadm-config").get();
    assertTrue(cc.getData().get("ClusterConfiguration").contains("kubernetesVersion: v1.31.0"));
    assertTrue(
        sh(CP, "cat /etc/kubernetes/manifests/kube-apiserver.yaml")
            .stdout()
            .contains("image: registry.k8s.io/kube-apiserver:v1.31.0"));

    // Then kubelet and kubectl, and the kubelet restart: NotReady briefly, Ready at v1.31.0.
    sh(
        CP,
        "apt-mark unhold kubelet kubectl"
            + " && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubelet=1.31.0-1.1"
            + " kubectl=1.31.0-1.1 && apt-mark hold kubelet kubectl");
    assertEquals("v1.30.2", kubeletVersion(CP), "the running kubelet is still the old one");
    java.time.Instant restarted =
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    sh(CP, "systemctl daemon-reload && systemctl restart kubelet");
    List<String> seen = new ArrayList<>();
    await(
        "Ready at v1.31.0",
        T,
        () -> {
          String r = ready(CP);
          if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(r)) {
            seen.add(r);
          }
          return "True".equals(r) && "v1.31.0".equals(kubeletVersion(CP));
        });
    // NotReady for one heartbeat (2 s) after the restart: the poll above may miss that window on
    // a loaded machine, the Ready condition's transition time does not.
    String since =
        kube.nodes().withName(CP).get().getStatus().getConditions().stream()
            .filter(c -> c.getType().equals("Ready"))
            .map(NodeCondition::getLastTransitionTime)
            .findFirst()
            .orElseThrow();
    assertTrue(
        seen.contains("False") || !java.time.Instant.parse(since).isBefore(restarted),
        "NotReady while the kubelet restarted: seen "
            + seen
            + ", Ready since "
            + since
            + ", restarted at "
            + restarted);
    assertTrue(sh(CP, "dpkg -l kubelet").stdout().contains("1.31.0-1.1"));
  }

  @Test
  @Order(6)
  void theWorkerUpgradesWithKubeadmUpgradeNode() throws Exception {
    sh(
        WORKER,
        "apt-mark unhold kubeadm && DEBIAN_FRONTEND=noninteractive apt-get install -y -q"
            + " --allow-change-held-packages kubeadm=1.31.0-1.1");
    lab.faults().failUpgrade(WORKER, "node/control-plane", 1);
    ExecResult failed = lab.host(WORKER).sh(T, "kubeadm upgrade node");
    assertEquals(1, failed.exitCode(), failed.toString());
    assertTrue(
        failed.stderr().startsWith("error execution phase kubelet-config:"), failed.stderr());
    String out = sh(WORKER, "kubeadm upgrade node").stdout();
    assertTrue(out.contains("[upgrade] Skipping phase. Not a control plane node."), out);
    assertTrue(out.contains("[upgrade] The configuration for this node was successfully"), out);
    sh(
        WORKER,
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-change-held-packages"
            + " kubelet=1.31.0-1.1 kubectl=1.31.0-1.1 && systemctl daemon-reload"
            + " && systemctl restart kubelet");
    await(
        "worker Ready at v1.31.0",
        T,
        () -> "True".equals(ready(WORKER)) && "v1.31.0".equals(kubeletVersion(WORKER)));
  }

  @Test
  @Order(7)
  void etcdctlSnapshotSaveWorksAgainstTheRealEtcd() throws Exception {
    String pki = "/etc/kubernetes/pki/etcd";
    String out =
        sh(
                CP,
                "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379"
                    + " --cacert="
                    + pki
                    + "/ca.crt --cert="
                    + pki
                    + "/healthcheck-client.crt --key="
                    + pki
                    + "/healthcheck-client.key snapshot save /var/lib/graft-snapshot.db"
                    + " && sha256sum /var/lib/graft-snapshot.db"
                    + " && ETCDCTL_API=3 etcdctl snapshot status /var/lib/graft-snapshot.db -w json")
            .stdout();
    assertTrue(out.contains("Snapshot saved at /var/lib/graft-snapshot.db"), out);
    assertTrue(out.contains("\"totalKey\""), out);
  }

  @Test
  @Order(8)
  void aBudgetBlocksTheWorkersDrainUntilRemoved() {
    String pdb = lab.faults().blockDrain(WORKER);
    assertEquals("block-" + WORKER, pdb);
    var pod = kube.pods().inNamespace(LabFaults.DRAIN_NAMESPACE).withName("blocked-" + WORKER);
    assertEquals(WORKER, pod.get().getSpec().getNodeName());
    assertFalse(pod.evict(), "429: the budget allows no disruption");
    lab.faults().unblockDrain(WORKER);
    assertTrue(pod.evict());
  }
}
