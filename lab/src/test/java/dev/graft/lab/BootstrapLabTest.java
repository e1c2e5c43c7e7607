package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.graft.lab.bootstrap.EtcdHealth;
import dev.graft.lab.standin.Pem;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * `lab up --bootstrap` on three netns hosts: host 1's real etcd answers over its lab address with
 * the client certificate copied into the state dir, its Node is Ready in the API stand-in, killing
 * its kubelet turns the Node Unknown after the grace period, and teardown leaves nothing behind
 * (namespaces, mounts, links, etcd, kubelet, containerd, sshd, holders, the API stand-in).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapLabTest {
  private static final Duration T = Duration.ofSeconds(20);
  private static final Duration GRACE = Duration.ofSeconds(3);
  private static final String NODE = "k8s-node1";
  private MachineSnapshot before;
  private Lab lab;
  private LabState state;
  private Path stateDir;
  private KubernetesClient kube;
  private final List<PidRef> started = new ArrayList<>();

  @BeforeAll
  void up() throws Exception {
    Prereqs.netns();
    Prereqs.require(
        "the bootstrap's etcd member",
        Files.isExecutable(Path.of("/usr/bin/etcd"))
            ? List.of()
            : List.of("/usr/bin/etcd (package etcd-server)"));
    before = MachineSnapshot.take();
    stateDir = Files.createTempDirectory("graft-lab-boot-").resolve("lab");
    long t0 = System.nanoTime();
    lab =
        Lab.up(
            LabSpec.builder()
                .nodes(3)
                .kind(LabKind.NETNS)
                .stateDir(stateDir)
                .bootstrap(true)
                .nodeMonitorGracePeriod(GRACE)
                .build());
    System.out.printf(
        "lab up --nodes 3 --bootstrap: %.2f s (bootstrap %.2f s of it)%n"
            + "rerun: mvn -B -o -q test -pl lab -Dtest=BootstrapLabTest%n",
        (System.nanoTime() - t0) / 1e9, lab.state().bootstrap().seconds());
    state = lab.state();
    kube =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(Path.of(state.kubeconfig()))))
            .build();
    // The daemons the bootstrap started, to prove they are gone after teardown.
    LabHost h1 = lab.host(NODE);
    for (String f : List.of("/run/graft-lab/kubelet.pid", "/run/graft-lab/static-pods/etcd.pid")) {
      started.add(pidFrom(h1, f));
    }
    for (LabHost h : lab.hosts()) {
      started.add(pidFrom(h, "/run/graft-lab/units/containerd.service.pid"));
    }
  }

  private static PidRef pidFrom(LabHost h, String file) {
    String text = h.readFile(file).orElseThrow(() -> new AssertionError(h.name() + ": no " + file));
    PidRef p = PidRef.of(Long.parseLong(text.strip()));
    assertNotNull(p, h.name() + ": " + file + " names no running process");
    return p;
  }

  @AfterAll
  void down() throws Exception {
    if (kube != null) {
      kube.close();
    }
    if (lab == null) {
      if (stateDir != null) {
        Files.deleteIfExists(stateDir.getParent());
      }
      return;
    }
    LabState recorded = lab.state();
    // `graft lab demo --keep`: the JVM that bootstrapped the lab ends (here: close) and takes the
    // API stand-in with it, while the hosts stay for `lab status`, ssh and `lab down`.
    lab.keepHosts();
    lab.close();
    java.net.URI api = java.net.URI.create(recorded.apiEndpoint());
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress(api.getHost(), api.getPort()), 2000);
      throw new AssertionError(
          "the API stand-in still answers at " + api + " after its JVM's lab closed");
    } catch (java.io.IOException refused) {
      // stopped with the lab's JVM, as `lab demo --keep` says
    }
    LabStatus kept = LabStatus.of(LabState.read(stateDir));
    assertEquals(3, kept.hosts().size(), "lab status reads the kept lab");
    HostState h1 = recorded.host(NODE);
    Process ssh =
        new ProcessBuilder(
                "ssh",
                "-i",
                recorded.clientKey(),
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + recorded.knownHosts(),
                "-o",
                "ConnectTimeout=5",
                "-p",
                String.valueOf(h1.sshPort()),
                "root@" + h1.address(),
                "hostname; test -f /etc/kubernetes/manifests/etcd.yaml && echo kept")
            .redirectErrorStream(true)
            .start();
    assertTrue(ssh.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "ssh to a kept host");
    String seen =
        new String(ssh.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, ssh.exitValue(), seen);
    assertTrue(seen.contains(NODE) && seen.contains("kept"), seen);
    // `lab down` from "another process" removes what was kept.
    assertFalse(Lab.down(stateDir).get(0).contains("nothing to do"), "lab down found the kept lab");
    List<String> left = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      left = before.leftovers(MachineSnapshot.take(), recorded);
      for (PidRef p : started) {
        if (p.alive()) {
          left.add("process " + p.pid() + " " + p.cmdline());
        }
      }
      // The API stand-in's controllers and TLS front run as threads of this JVM.
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.isAlive() && t.getName().startsWith("api-standin")) {
          left.add("thread " + t.getName());
        }
      }
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(List.of(), left, "the bootstrapped lab left things behind");
    Files.deleteIfExists(stateDir.getParent());
  }

  @Test
  @Order(1)
  void stateAndInventoriesRecordTheBootstrapAsFilesOnThisMachine() throws Exception {
    HostState h1 = state.host(NODE);
    LabState onDisk = LabState.read(stateDir);
    assertEquals(List.of("https://" + h1.address() + ":2379"), onDisk.etcdEndpoints());
    assertEquals("https://" + state.gateway() + ":6443", onDisk.apiEndpoint());
    assertEquals(stateDir.resolve("kubeconfig/admin.conf").toString(), onDisk.kubeconfig());
    BootstrapState b = onDisk.bootstrap();
    assertEquals(NODE, b.node());
    for (String f : List.of(b.etcdCaCert(), b.etcdClientCert(), b.etcdClientKey())) {
      assertTrue(Path.of(f).startsWith(stateDir), f + " lies in the state dir");
    }
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(b.etcdClientKey()))));
    // The copies are host 1's files, byte for byte.
    assertEquals(
        lab.host(NODE).readFile("/etc/kubernetes/pki/etcd/ca.crt").orElseThrow(),
        Files.readString(Path.of(b.etcdCaCert())));

    JsonNode y =
        new ObjectMapper(new YAMLFactory()).readTree(Path.of(state.inventoryYaml()).toFile());
    assertEquals(onDisk.apiEndpoint(), y.get("apiEndpoint").asText());
    assertEquals(onDisk.kubeconfig(), y.get("kubeconfig").asText());
    assertEquals(onDisk.etcdEndpoints().get(0), y.get("etcd").get("endpoints").get(0).asText());
    assertEquals(b.etcdCaCert(), y.get("etcd").get("caCert").asText());
    assertEquals(b.etcdClientKey(), y.get("etcd").get("clientKey").asText());
    String ini = Files.readString(Path.of(state.inventoryIni()));
    assertTrue(ini.contains("graft_api_endpoint=" + onDisk.apiEndpoint() + "\n"), ini);
    assertTrue(ini.contains("graft_kubeconfig=" + onDisk.kubeconfig() + "\n"), ini);

    JsonNode status =
        new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(LabStatus.of(onDisk)));
    assertEquals(onDisk.kubeconfig(), status.get("kubeconfig").asText());
    assertEquals(onDisk.etcdEndpoints().get(0), status.get("etcdEndpoints").get(0).asText());
    assertEquals(b.etcdClientCert(), status.get("bootstrap").get("etcdClientCert").asText());
    // A bootstrapped lab's API stand-in lives in this JVM: it cannot be detached from it.
    assertThrows(LabException.class, lab::detach);
  }

  @Test
  @Order(2)
  void etcdAnswersHealthOverTheLabAddressWithTheStateDirsClientCertificate() throws Exception {
    BootstrapState b = state.bootstrap();
    String endpoint = state.etcdEndpoints().get(0);
    assertTrue(endpoint.startsWith("https://10.213."), endpoint);
    EtcdHealth health =
        new EtcdHealth(
            endpoint,
            Files.readString(Path.of(b.etcdCaCert())),
            Pem.readPair(Path.of(b.etcdClientCert()), Path.of(b.etcdClientKey())));
    assertTrue(health.health().replace(" ", "").contains("\"health\":\"true\""));
    // Client-certificate TLS as kubeadm configures it: without a client certificate, no answer.
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", Pem.certificate(Files.readString(Path.of(b.etcdCaCert()))));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    HttpClient anonymous =
        HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(3)).build();
    assertThrows(
        java.io.IOException.class,
        () ->
            anonymous.send(
                HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  @Order(3)
  void everyHostHasTheStandIns() {
    for (LabHost h : lab.hosts()) {
      ExecResult r =
          h.sh(
              T,
              "command -v kubeadm kubelet systemctl containerd"
                  + " && containerd --version && test -S /run/containerd/containerd.sock");
      assertTrue(r.ok(), h.name() + ": " + r);
      assertTrue(r.stdout().contains("/usr/local/bin/kubeadm"), r.stdout());
      assertTrue(r.stdout().contains("graft-lab-stand-in"), r.stdout());
    }
  }

  @Test
  @Order(4)
  void nodeIsReadyAndTurnsUnknownAfterItsKubeletIsKilled() throws Exception {
    Node n = kube.nodes().withName(NODE).get();
    assertEquals("True", ready(n).getStatus());
    assertEquals(
        state.host(NODE).address(),
        n.getStatus().getAddresses().stream()
            .filter(a -> a.getType().equals("InternalIP"))
            .findFirst()
            .orElseThrow()
            .getAddress());
    LabHost h1 = lab.host(NODE);
    ExecResult kill = h1.sh(T, "kill -9 \"$(cat /run/graft-lab/kubelet.pid)\"");
    assertTrue(kill.ok(), kill.toString());
    long t0 = System.nanoTime();
    await(
        () -> !"True".equals(ready(kube.nodes().withName(NODE).get()).getStatus()),
        GRACE.plusSeconds(15),
        "Node " + NODE + " no longer Ready");
    double secs = (System.nanoTime() - t0) / 1e9;
    NodeCondition c = ready(kube.nodes().withName(NODE).get());
    assertEquals("Unknown", c.getStatus());
    assertEquals("NodeStatusUnknown", c.getReason());
    System.out.printf(
        "Node %s Unknown %.2f s after its kubelet was killed (grace %d s)%n",
        NODE, secs, GRACE.toSeconds());
    // etcd runs as a static pod: it outlives the kubelet, as containers do.
    assertTrue(h1.sh(T, "kill -0 \"$(cat /run/graft-lab/static-pods/etcd.pid)\"").ok());
  }

  private static NodeCondition ready(Node n) {
    return n.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready"))
        .findFirst()
        .orElseThrow();
  }

  private static void await(BooleanSupplier check, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!check.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}
