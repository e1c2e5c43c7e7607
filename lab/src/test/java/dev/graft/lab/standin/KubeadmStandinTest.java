package dev.graft.lab.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.lab.bootstrap.BootstrapResult;
import dev.graft.lab.bootstrap.BootstrapSpec;
import dev.graft.lab.bootstrap.ClusterBootstrap;
import dev.graft.lab.bootstrap.EtcdHealth;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One lab cluster on sandbox hosts: host 1 bootstrapped as after `kubeadm init`, then the kubeadm
 * stand-in's validations and joins against it, the kubelet stand-in's heartbeat, and NotReady after
 * the kubelet is killed. Real etcd on 127.0.0.1 with free ports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeadmStandinTest {
  private static final Duration T = Duration.ofSeconds(90);
  private static final Pattern JOIN =
      Pattern.compile(
          "kubeadm join (\\S+) --token (\\S+) --discovery-token-ca-cert-hash (sha256:[0-9a-f]{64}) ");

  @TempDir static Path dir;
  ApiStandin api;
  KubernetesClient kube;
  LocalSandboxHost cp1;
  LocalSandboxHost worker;
  LocalSandboxHost cp2;
  BootstrapResult boot;
  String endpoint;
  String token;
  String hash;

  @BeforeAll
  void bootstrap() throws Exception {
    Prereqs.require("etcd", Path.of("/usr/bin/etcd"));
    api =
        ApiStandin.start(
            ApiStandin.Options.loopback(dir.resolve("api")).withGrace(Duration.ofSeconds(3)));
    kube = api.client();
    cp1 = new LocalSandboxHost("cp-1", dir);
    worker = new LocalSandboxHost("worker-1", dir);
    cp2 = new LocalSandboxHost("cp-2", dir);
    long t0 = System.nanoTime();
    StandinConfig cfg = StandinConfig.ofThisJvm("v1.32.0");
    int c1 = SystemctlStandinTest.freePort();
    int p1 = SystemctlStandinTest.freePort();
    StandinInstaller.install(cp1, cfg.withEtcdPorts(c1, p1));
    StandinInstaller.install(worker, cfg);
    StandinInstaller.install(
        cp2, cfg.withEtcdPorts(SystemctlStandinTest.freePort(), SystemctlStandinTest.freePort()));
    System.out.printf("api + 3 installs took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    t0 = System.nanoTime();
    boot = ClusterBootstrap.bootstrap(cp1, api, BootstrapSpec.defaults().withEtcdPorts(c1, p1));
    System.out.printf("bootstrap took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
  }

  @AfterAll
  void teardown() {
    for (LocalSandboxHost h : new LocalSandboxHost[] {cp2, worker, cp1}) {
      if (h != null) {
        h.close();
      }
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  @Order(1)
  void bootstrapKeepsTheKubeadmContract() throws Exception {
    for (String f :
        List.of(
            "ca.crt",
            "ca.key",
            "sa.key",
            "sa.pub",
            "front-proxy-ca.crt",
            "apiserver-etcd-client.crt",
            "etcd/ca.crt",
            "etcd/ca.key",
            "etcd/server.crt",
            "etcd/peer.crt")) {
      assertTrue(Files.exists(cp1.path("/etc/kubernetes/pki/" + f)), f);
    }
    assertTrue(Files.exists(cp1.path("/etc/kubernetes/manifests/etcd.yaml")));
    // etcd answers health over TLS with the apiserver's etcd client certificate.
    CertKey client =
        Pem.readPair(cp1.path(boot.etcdClientCertPath()), cp1.path(boot.etcdClientKeyPath()));
    EtcdHealth health =
        new EtcdHealth(boot.etcdEndpoint(), Files.readString(cp1.path(boot.etcdCaPath())), client);
    assertTrue(health.health().contains("\"health\":\"true\""));
    // kubeadm-config carries a ClusterConfiguration with kubeadm's fields.
    String cc =
        kube.configMaps()
            .inNamespace("kube-system")
            .withName("kubeadm-config")
            .get()
            .getData()
            .get("ClusterConfiguration");
    var c = Kubeconfig.YAML.readTree(cc);
    assertEquals("ClusterConfiguration", c.path("kind").asText());
    assertEquals(boot.controlPlaneEndpoint(), c.path("controlPlaneEndpoint").asText());
    assertEquals("10.244.0.0/16", c.path("networking").path("podSubnet").asText());
    assertEquals("10.96.0.0/12", c.path("networking").path("serviceSubnet").asText());
    assertEquals("v1.32.0", c.path("kubernetesVersion").asText());
    assertEquals("/var/lib/etcd", c.path("etcd").path("local").path("dataDir").asText());
    // cluster-info holds the CA and a JWS that verifies with the init token's secret.
    ApiStandinTest.await(
        () -> clusterInfo().getData().containsKey("jws-kubeconfig-" + boot.initTokenId()));
    var secret =
        kube.secrets()
            .inNamespace("kube-system")
            .withName("bootstrap-token-" + boot.initTokenId())
            .get();
    String tokenSecret =
        new String(java.util.Base64.getDecoder().decode(secret.getData().get("token-secret")));
    ConfigMap ci = clusterInfo();
    assertTrue(
        Jws.verifyDetached(
            ci.getData().get("jws-kubeconfig-" + boot.initTokenId()),
            ci.getData().get("kubeconfig"),
            boot.initTokenId(),
            tokenSecret));
    Kubeconfig info = Kubeconfig.parse(ci.getData().get("kubeconfig"), null);
    assertEquals(boot.caCertHash(), Pki.caCertHash(Pem.certificate(info.caPem())));
    // The control-plane Node is Ready and marked as kubeadm marks it.
    Node n = kube.nodes().withName("cp-1").get();
    assertTrue(n.getMetadata().getLabels().containsKey("node-role.kubernetes.io/control-plane"));
    assertTrue(
        n.getSpec().getTaints().stream()
            .anyMatch(t -> t.getKey().equals("node-role.kubernetes.io/control-plane")));
    assertEquals("True", NodeLifecycleStandin.readyCondition(n).getStatus());
    assertEquals("v1.32.0", n.getStatus().getNodeInfo().getKubeletVersion());
    // The etcd static pod has a mirror pod whose annotation names its client URL, as kubeadm's.
    ApiStandinTest.await(
        () -> kube.pods().inNamespace("kube-system").withName("etcd-cp-1").get() != null);
    assertEquals(
        boot.etcdEndpoint(),
        kube.pods()
            .inNamespace("kube-system")
            .withName("etcd-cp-1")
            .get()
            .getMetadata()
            .getAnnotations()
            .get("kubeadm.kubernetes.io/etcd.advertise-client-urls"));
  }

  @Test
  @Order(2)
  void certsCheckExpirationPrintsKubeadmsTablesFromTheNodesPki() throws Exception {
    // Graft's upgrade pre-check runs it on every control plane; the stand-in refused it before.
    ExecResult r = cp1.exec(T, "kubeadm", "certs", "check-expiration");
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(
        r.stdout()
            .matches(
                "(?s).*\nCERTIFICATE +EXPIRES +RESIDUAL TIME +CERTIFICATE AUTHORITY +EXTERNALLY MANAGED\n"
                    + "apiserver +[A-Z][a-z]{2} \\d{2}, \\d{4} \\d{2}:\\d{2} UTC +\\d+[dy] +ca +no\n.*"
                    + "\nCERTIFICATE AUTHORITY +EXPIRES +RESIDUAL TIME +EXTERNALLY MANAGED\nca +.*"),
        r.stdout());
    java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
    assertEquals("<invalid>", KubeadmCertsExpiration.residual(now, now.minusSeconds(60)));
    assertEquals(
        "364d", KubeadmCertsExpiration.residual(now, now.plus(java.time.Duration.ofDays(364))));
    assertEquals(
        "9y", KubeadmCertsExpiration.residual(now, now.plus(java.time.Duration.ofDays(3600))));
  }

  @Test
  @Order(2)
  void tokenCreatePrintsAJoinCommand() throws Exception {
    ExecResult r =
        cp1.exec(T, "kubeadm", "token", "create", "--ttl", "15m", "--print-join-command");
    assertEquals(0, r.exitCode(), r.stderr());
    Matcher m = JOIN.matcher(r.stdout());
    assertTrue(m.find(), r.stdout());
    endpoint = m.group(1);
    token = m.group(2);
    hash = m.group(3);
    assertEquals(boot.controlPlaneEndpoint(), endpoint);
    assertEquals(boot.caCertHash(), hash);
    assertTrue(Kubeadm.TOKEN.matcher(token).matches());
    assertEquals(
        1,
        worker.exec(T, "kubeadm", "token", "create").exitCode(),
        "token create needs admin.conf");
  }

  @Test
  @Order(3)
  void joinRejectsBadArgumentsAsKubeadmDoes() throws Exception {
    ExecResult badFormat =
        join(worker, "--token", "ABC.def", "--discovery-token-ca-cert-hash", hash);
    assertEquals(1, badFormat.exitCode());
    assertTrue(
        badFormat
            .stderr()
            .contains(
                "discovery.bootstrapToken.token: Invalid value:"
                    + " \"ABC.def\": the bootstrap token is invalid"),
        badFormat.stderr());

    ExecResult badHash =
        join(worker, "--token", token, "--discovery-token-ca-cert-hash", "sha256:1234");
    assertEquals(1, badHash.exitCode());
    assertTrue(badHash.stderr().contains("expected a 32 byte SHA-256 hash, found 2 bytes"));

    ExecResult noHash = join(worker, "--token", token);
    assertEquals(1, noHash.exitCode());
    assertTrue(noHash.stderr().contains("using token-based discovery without caCertHashes"));

    ExecResult badName =
        join(
            worker,
            "--token",
            token,
            "--discovery-token-ca-cert-hash",
            hash,
            "--node-name",
            "a;rm -rf /");
    assertEquals(1, badName.exitCode());
    assertTrue(badName.stderr().contains("nodeRegistration.name: Invalid value: \"a;rm -rf /\""));

    ExecResult unknown =
        join(worker, "--token", "zzzzzz.zzzzzzzzzzzzzzzz", "--discovery-token-ca-cert-hash", hash);
    assertEquals(1, unknown.exitCode());
    assertTrue(
        unknown
            .stderr()
            .startsWith(
                "error execution phase preflight: couldn't validate"
                    + " the identity of the API Server: could not find a JWS signature in the cluster-info"
                    + " ConfigMap for token ID \"zzzzzz\""),
        unknown.stderr());

    String wrong = "sha256:" + "ab".repeat(32);
    ExecResult wrongCa = join(worker, "--token", token, "--discovery-token-ca-cert-hash", wrong);
    assertEquals(1, wrongCa.exitCode());
    assertTrue(
        wrongCa
            .stderr()
            .contains(
                "cluster CA found in cluster-info ConfigMap is invalid:"
                    + " none of the public keys \""
                    + hash
                    + "\" are pinned"),
        wrongCa.stderr());

    ExecResult noKey =
        join(
            cp2,
            "--token",
            token,
            "--discovery-token-ca-cert-hash",
            hash,
            "--control-plane",
            "--certificate-key",
            "00".repeat(32),
            "--apiserver-advertise-address",
            "127.0.0.1");
    assertEquals(1, noKey.exitCode());
    assertTrue(
        noKey
            .stderr()
            .startsWith(
                "error execution phase"
                    + " control-plane-prepare/download-certs: error downloading certs: error downloading the"
                    + " secret: Secret \"kubeadm-certs\" was not found"),
        noKey.stderr());
    assertFalse(Files.exists(worker.path("/etc/kubernetes/kubelet.conf")));
  }

  @Test
  @Order(35)
  void aWorkerJoinThatFailsInKubeletStartLeavesKubeadmsFilesAndIsRefusedUntilReset()
      throws Exception {
    Path cni = worker.path("/etc/cni/net.d/10-test.conflist");
    Files.createDirectories(cni.getParent());
    Files.writeString(cni, "{}\n");
    worker.writeFile(JoinFaults.file("kubelet-start"), "1\n", "0644");
    ExecResult failed = join(worker, "--token", token, "--discovery-token-ca-cert-hash", hash);
    assertEquals(1, failed.exitCode(), failed.stdout() + failed.stderr());
    assertTrue(
        failed
            .stderr()
            .startsWith(
                "error execution phase kubelet-start: timed out waiting for" + " the condition"),
        failed.stderr());
    for (String f :
        List.of(
            "/etc/kubernetes/bootstrap-kubelet.conf",
            "/etc/kubernetes/pki/ca.crt",
            "/var/lib/kubelet/config.yaml",
            "/var/lib/kubelet/kubeadm-flags.env")) {
      assertTrue(Files.exists(worker.path(f)), f + " should be left, as kubeadm leaves it");
    }
    assertFalse(Files.exists(worker.path("/etc/kubernetes/kubelet.conf")));

    ExecResult retry = join(worker, "--token", token, "--discovery-token-ca-cert-hash", hash);
    assertEquals(1, retry.exitCode());
    assertTrue(
        retry
            .stderr()
            .contains(
                "\t[ERROR FileAvailable--etc-kubernetes-bootstrap-kubelet.conf]:"
                    + " /etc/kubernetes/bootstrap-kubelet.conf already exists\n"),
        retry.stderr());
    assertTrue(
        retry
            .stderr()
            .contains(
                "\t[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]:"
                    + " /etc/kubernetes/pki/ca.crt already exists\n"),
        retry.stderr());

    ExecResult reset = worker.exec(T, "kubeadm", "reset", "-f");
    assertEquals(0, reset.exitCode(), reset.stderr());
    for (String f :
        List.of(
            "/etc/kubernetes/bootstrap-kubelet.conf",
            "/etc/kubernetes/pki/ca.crt",
            "/var/lib/kubelet/config.yaml",
            "/var/lib/kubelet/kubeadm-flags.env")) {
      assertFalse(Files.exists(worker.path(f)), f + " should be removed by reset");
    }
    assertTrue(Files.exists(cni), "kubeadm reset does not clean CNI configuration");
    assertTrue(
        reset
            .stdout()
            .contains(
                "The reset process does not clean CNI configuration. To do so,"
                    + " you must remove /etc/cni/net.d"),
        reset.stdout());
    Files.delete(cni);
  }

  @Test
  @Order(40)
  void workerJoinsAndBecomesReadyThenASecondJoinIsRefused() throws Exception {
    worker.writeFile(
        "/etc/default/kubelet",
        "KUBELET_EXTRA_ARGS=\"--node-labels=topology.kubernetes.io/zone=a"
            + " --register-with-taints=graft.dev/joining=true:NoSchedule\"\n",
        "0644");
    long t0 = System.nanoTime();
    ExecResult ok = join(worker, "--token", token, "--discovery-token-ca-cert-hash", hash);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(0, ok.exitCode(), ok.stdout() + ok.stderr());
    assertTrue(ok.stdout().contains("This node has joined the cluster"));
    System.out.printf("worker join took %d ms%n", ms);
    assertTrue(Files.exists(worker.path("/etc/kubernetes/kubelet.conf")));
    assertFalse(Files.exists(worker.path("/etc/kubernetes/bootstrap-kubelet.conf")));
    assertTrue(Files.exists(worker.path("/etc/kubernetes/pki/ca.crt")));
    ApiStandinTest.await(() -> isReady("worker-1"));
    Node n = kube.nodes().withName("worker-1").get();
    assertEquals("a", n.getMetadata().getLabels().get("topology.kubernetes.io/zone"));
    assertEquals("worker-1", n.getMetadata().getLabels().get("kubernetes.io/hostname"));
    assertTrue(
        n.getSpec().getTaints().stream().anyMatch(t -> t.getKey().equals("graft.dev/joining")));
    // The kubelet's client certificate came from the CSR signer and names the node.
    Kubeconfig kc = Kubeconfig.read(worker.path("/etc/kubernetes/kubelet.conf"));
    assertTrue(
        Pem.certificate(kc.certPem())
            .getSubjectX500Principal()
            .getName()
            .contains("CN=system:node:worker-1"));

    ExecResult again = join(worker, "--token", token, "--discovery-token-ca-cert-hash", hash);
    assertEquals(1, again.exitCode());
    assertTrue(
        again
            .stderr()
            .startsWith(
                "error execution phase preflight: [preflight] Some fatal"
                    + " errors occurred:\n\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]:"
                    + " /etc/kubernetes/kubelet.conf already exists"),
        again.stderr());
  }

  @Test
  @Order(50)
  void killingTheKubeletMakesTheNodeNotReadyAfterTheGracePeriod() throws Exception {
    String heartbeat =
        NodeLifecycleStandin.readyCondition(kube.nodes().withName("worker-1").get())
            .getLastHeartbeatTime();
    ApiStandinTest.await(
        () ->
            !heartbeat.equals(
                NodeLifecycleStandin.readyCondition(kube.nodes().withName("worker-1").get())
                    .getLastHeartbeatTime()));
    long pid = Long.parseLong(Files.readString(worker.path("/run/graft-lab/kubelet.pid")).strip());
    // Benchmark figure, printed not asserted: the kubelet stand-in's resident memory.
    Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS"))
        .forEach(l -> System.out.println("kubelet stand-in " + l));
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    long t0 = System.nanoTime();
    ApiStandinTest.await(
        () ->
            "Unknown"
                .equals(
                    NodeLifecycleStandin.readyCondition(kube.nodes().withName("worker-1").get())
                        .getStatus()));
    System.out.printf(
        "NotReady %d ms after kill (grace 3 s)%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(
        "Kubelet stopped posting node status.",
        NodeLifecycleStandin.readyCondition(kube.nodes().withName("worker-1").get()).getMessage());
    assertEquals(0, worker.exec(T, "systemctl", "start", "kubelet").exitCode());
    ApiStandinTest.await(() -> isReady("worker-1"));
  }

  @Test
  @Order(55)
  void aControlPlaneJoinThatFailsAfterControlPlanePrepareIsRefusedUntilReset() throws Exception {
    String key = uploadCerts();
    cp2.writeFile(JoinFaults.file("control-plane-prepare"), "1\n", "0644");
    ExecResult failed = cpJoin(key);
    assertEquals(1, failed.exitCode(), failed.stdout() + failed.stderr());
    assertTrue(
        failed
            .stderr()
            .startsWith("error execution phase kubelet-start: cannot get Node" + " \"cp-2\""),
        failed.stderr());
    for (String f :
        List.of(
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            "/etc/kubernetes/admin.conf",
            "/etc/kubernetes/pki/apiserver.crt",
            "/etc/kubernetes/pki/etcd/peer.key")) {
      assertTrue(Files.exists(cp2.path(f)), f + " should be left, as kubeadm leaves it");
    }
    ExecResult retry = cpJoin(key);
    assertEquals(1, retry.exitCode());
    assertTrue(
        retry
            .stderr()
            .contains(
                "\t[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver"
                    + ".yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists\n"),
        retry.stderr());
    ExecResult reset = cp2.exec(T, "kubeadm", "reset", "-f");
    assertEquals(0, reset.exitCode(), reset.stderr());
    for (String f :
        List.of(
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            "/etc/kubernetes/admin.conf",
            "/etc/kubernetes/pki/apiserver.crt")) {
      assertFalse(Files.exists(cp2.path(f)), f + " should be removed by reset");
    }
  }

  @Test
  @Order(57)
  void aControlPlaneJoinThatFailsAfterTheLearnerWasAddedLeavesItAndResetRemovesIt()
      throws Exception {
    String key = uploadCerts();
    EtcdGateway etcd = etcd();
    cp2.writeFile(JoinFaults.file("control-plane-join/etcd"), "1\n", "0644");
    ExecResult failed = cpJoin(key);
    assertEquals(1, failed.exitCode(), failed.stdout() + failed.stderr());
    assertTrue(
        failed
            .stderr()
            .startsWith(
                "error execution phase control-plane-join/etcd: error creating"
                    + " local etcd static pod manifest file: etcdserver: can only promote a learner member"),
        failed.stderr());
    List<String> learners = new ArrayList<>();
    etcd.members()
        .forEach(
            m -> {
              if (m.path("isLearner").asBoolean(false)) {
                learners.addAll(EtcdGateway.peerUrls(m));
              }
            });
    assertEquals(1, learners.size(), etcd.members().toString());
    assertTrue(Files.exists(cp2.path("/etc/kubernetes/manifests/etcd.yaml")));
    assertTrue(Files.exists(cp2.path("/etc/kubernetes/kubelet.conf")));

    ExecResult retry = cpJoin(key);
    assertEquals(1, retry.exitCode());
    assertTrue(
        retry
            .stderr()
            .contains(
                "\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]:"
                    + " /etc/kubernetes/kubelet.conf already exists\n"),
        retry.stderr());

    // Real kubeadm reset removes the node's member, found by peer URL through the cluster's etcd
    // endpoints, learner or not.
    ExecResult reset = cp2.exec(T, "kubeadm", "reset", "-f");
    assertEquals(0, reset.exitCode(), reset.stderr());
    assertTrue(
        reset.stdout().contains("[reset] Removed member " + learners.get(0)), reset.stdout());
    assertEquals(1, etcd.members().size(), etcd.members().toString());
    assertFalse(Files.exists(cp2.path("/etc/kubernetes/manifests/etcd.yaml")));
    // The kubelet is stopped: the Node it registered turns Unknown after the grace period, and
    // only then may a join use the name again (kubeadm refuses a Ready Node's name).
    ApiStandinTest.await(() -> !isReady("cp-2"));
  }

  private String uploadCerts() throws Exception {
    String key = Pki.randomHex(32);
    ExecResult up =
        cp1.exec(
            T,
            "kubeadm",
            "init",
            "phase",
            "upload-certs",
            "--upload-certs",
            "--certificate-key",
            key);
    assertEquals(0, up.exitCode(), up.stderr());
    return key;
  }

  private ExecResult cpJoin(String key) throws Exception {
    return join(
        cp2,
        "--token",
        token,
        "--discovery-token-ca-cert-hash",
        hash,
        "--control-plane",
        "--certificate-key",
        key,
        "--apiserver-advertise-address",
        "127.0.0.1");
  }

  private EtcdGateway etcd() throws Exception {
    CertKey client =
        Pem.readPair(cp1.path(boot.etcdClientCertPath()), cp1.path(boot.etcdClientKeyPath()));
    return new EtcdGateway(
        boot.etcdEndpoint(),
        Files.readString(cp1.path(boot.etcdCaPath())),
        client.certPem(),
        client.keyPem());
  }

  @Test
  @Order(60)
  void controlPlaneJoinsWithUploadedCertificatesAndAddsAnEtcdMember() throws Exception {
    String key = Pki.randomHex(32);
    ExecResult up =
        cp1.exec(
            T,
            "kubeadm",
            "init",
            "phase",
            "upload-certs",
            "--upload-certs",
            "--certificate-key",
            key);
    assertEquals(0, up.exitCode(), up.stderr());
    assertTrue(up.stdout().contains(key));
    long etcdPid =
        Long.parseLong(Files.readString(cp1.path("/run/graft-lab/static-pods/etcd.pid")).strip());
    Files.readAllLines(Path.of("/proc/" + etcdPid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS"))
        .forEach(l -> System.out.println("etcd member " + l));
    var certs = kube.secrets().inNamespace("kube-system").withName("kubeadm-certs").get();
    assertNotEquals(
        Files.readString(cp1.path("/etc/kubernetes/pki/ca.key")),
        new String(java.util.Base64.getDecoder().decode(certs.getData().get("ca.key"))),
        "the uploaded keys are encrypted");

    ExecResult wrongKey =
        join(
            cp2,
            "--token",
            token,
            "--discovery-token-ca-cert-hash",
            hash,
            "--control-plane",
            "--certificate-key",
            "11".repeat(32),
            "--apiserver-advertise-address",
            "127.0.0.1");
    assertEquals(1, wrongKey.exitCode());
    assertTrue(wrongKey.stderr().contains("message authentication failed"), wrongKey.stderr());

    long t0 = System.nanoTime();
    ExecResult ok =
        join(
            cp2,
            "--token",
            token,
            "--discovery-token-ca-cert-hash",
            hash,
            "--control-plane",
            "--certificate-key",
            key,
            "--apiserver-advertise-address",
            "127.0.0.1");
    assertEquals(0, ok.exitCode(), ok.stdout() + ok.stderr());
    System.out.printf("control-plane join took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertTrue(ok.stdout().contains("a new control plane instance was created"));
    assertEquals(
        Files.readString(cp1.path("/etc/kubernetes/pki/ca.key")),
        Files.readString(cp2.path("/etc/kubernetes/pki/ca.key")));
    Node n = kube.nodes().withName("cp-2").get();
    assertTrue(n.getMetadata().getLabels().containsKey("node-role.kubernetes.io/control-plane"));
    // etcd now has two voting members, the new one promoted from learner.
    CertKey client =
        Pem.readPair(cp1.path(boot.etcdClientCertPath()), cp1.path(boot.etcdClientKeyPath()));
    EtcdGateway etcd =
        new EtcdGateway(
            boot.etcdEndpoint(),
            Files.readString(cp1.path(boot.etcdCaPath())),
            client.certPem(),
            client.keyPem());
    var members = etcd.members();
    assertEquals(2, members.size(), members.toString());
    List<String> learners = new ArrayList<>();
    members.forEach(
        m -> {
          if (m.path("isLearner").asBoolean(false)) {
            learners.add(m.path("name").asText());
          }
        });
    assertEquals(List.of(), learners);

    ExecResult reset = cp2.exec(T, "kubeadm", "reset", "-f");
    assertEquals(0, reset.exitCode(), reset.stderr());
    assertFalse(Files.exists(cp2.path("/etc/kubernetes/kubelet.conf")));
    assertEquals(
        1, etcd.members().size(), "reset removes the stacked etcd member: " + reset.stdout());
    assertEquals(3, cp2.exec(T, "systemctl", "is-active", "kubelet").exitCode());
  }

  private ExecResult join(LocalSandboxHost h, String... flags) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "env",
                "GRAFT_LAB_DISCOVERY_TIMEOUT_SECONDS=2",
                "kubeadm",
                "join",
                boot.controlPlaneEndpoint(),
                "--ignore-preflight-errors=Swap"));
    argv.addAll(List.of(flags));
    return h.exec(T, argv.toArray(new String[0]));
  }

  private boolean isReady(String node) {
    Node n = kube.nodes().withName(node).get();
    return n != null
        && NodeLifecycleStandin.readyCondition(n) != null
        && "True".equals(NodeLifecycleStandin.readyCondition(n).getStatus());
  }

  private ConfigMap clusterInfo() {
    return kube.configMaps().inNamespace("kube-public").withName("cluster-info").get();
  }
}
