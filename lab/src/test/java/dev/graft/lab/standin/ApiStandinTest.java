package dev.graft.lab.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the API stand-in serves, through admin.conf over TLS as Graft would use it. */
class ApiStandinTest {
  @TempDir static Path dir;
  static ApiStandin api;
  static KubernetesClient kube;

  @BeforeAll
  static void start() throws Exception {
    api = ApiStandin.start(ApiStandin.Options.loopback(dir).withGrace(Duration.ofSeconds(2)));
    Config config = Config.fromKubeconfig(Files.readString(api.adminKubeconfig()));
    config.setRequestRetryBackoffLimit(0);
    kube = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterAll
  static void stop() {
    kube.close();
    api.close();
  }

  @Test
  void adminKubeconfigTrustsTheClusterCaOverTls() throws Exception {
    Kubeconfig k = Kubeconfig.read(api.adminKubeconfig());
    assertTrue(k.server().startsWith("https://127.0.0.1:"));
    assertEquals(api.ca().cert(), Pem.certificate(k.caPem()));
    assertNotNull(kube.getKubernetesVersion());
    // A kubeconfig with another CA must be refused by TLS verification.
    CertKey other = Pki.newCa("other");
    Path bad = dir.resolve("bad.conf");
    Kubeconfig.withCert(
            api.url(),
            other.certPem(),
            "x",
            Pki.issue(other, "x", List.of(), List.of(), Pki.Usage.CLIENT))
        .write(bad);
    Config badConfig = Config.fromKubeconfig(Files.readString(bad));
    badConfig.setRequestRetryBackoffLimit(0);
    try (KubernetesClient c = new KubernetesClientBuilder().withConfig(badConfig).build()) {
      assertThrows(KubernetesClientException.class, () -> c.nodes().list());
    }
  }

  @Test
  void nodeStatusSubresourceAndMainResourceAreSeparate() {
    kube.nodes().resource(node("status-1")).create();
    kube.nodes()
        .withName("status-1")
        .editStatus(
            n -> {
              n.getStatus().setConditions(List.of(ready("True", Instant.now())));
              return n;
            });
    kube.nodes()
        .withName("status-1")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("edited", "yes");
              n.getStatus().setConditions(List.of());
              return n;
            });
    Node got = kube.nodes().withName("status-1").get();
    assertEquals("yes", got.getMetadata().getLabels().get("edited"));
    assertEquals(
        "True",
        got.getStatus().getConditions().get(0).getStatus(),
        "a PUT to the main resource must not change status");
  }

  @Test
  void mergePatchOnStatusReplacesLists() {
    kube.nodes().resource(node("merge-1")).create();
    kube.nodes()
        .withName("merge-1")
        .editStatus(
            n -> {
              n.getStatus().setConditions(List.of(ready("False", Instant.now())));
              return n;
            });
    kube.nodes()
        .withName("merge-1")
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
    Node got = kube.nodes().withName("merge-1").get();
    assertEquals(1, got.getStatus().getConditions().size());
    assertEquals("True", got.getStatus().getConditions().get(0).getStatus());
  }

  @Test
  void serverSideApplyCreatesThenMerges() {
    Node applied =
        new NodeBuilder()
            .withNewMetadata()
            .withName("ssa-1")
            .addToLabels("node-role.kubernetes.io/worker", "")
            .endMetadata()
            .withNewSpec()
            .addNewTaint()
            .withKey("graft.dev/joining")
            .withEffect("NoSchedule")
            .endTaint()
            .endSpec()
            .build();
    kube.nodes().resource(applied).fieldManager("graft").forceConflicts().serverSideApply();
    kube.nodes()
        .withName("ssa-1")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("kubernetes.io/hostname", "ssa-1");
              return n;
            });
    Node again =
        new NodeBuilder(applied).editMetadata().addToLabels("zone", "a").endMetadata().build();
    kube.nodes().resource(again).fieldManager("graft").forceConflicts().serverSideApply();
    Node got = kube.nodes().withName("ssa-1").get();
    assertEquals(
        Map.of(
            "node-role.kubernetes.io/worker", "", "kubernetes.io/hostname", "ssa-1", "zone", "a"),
        got.getMetadata().getLabels());
    assertEquals(1, got.getSpec().getTaints().size());
  }

  @Test
  void strategicMergePatchIsAcceptedAsMergePatch() {
    kube.nodes().resource(node("smp-1")).create();
    kube.nodes()
        .withName("smp-1")
        .patch(
            PatchContext.of(PatchType.STRATEGIC_MERGE),
            "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
    assertEquals("b", kube.nodes().withName("smp-1").get().getMetadata().getLabels().get("a"));
  }

  @Test
  void aNodesPodCidrIsSetOnceKeptInStepWithPodCidrsAndNeverChanged() {
    kube.nodes().resource(node("cidr-1")).create();
    kube.nodes()
        .withName("cidr-1")
        .editStatus(
            n -> {
              n.getStatus()
                  .setConditions(
                      List.of(
                          new NodeConditionBuilder().withType("Ready").withStatus("True").build()));
              return n;
            });
    // From empty to a block: accepted, and podCIDRs follows podCIDR as the v1 conversion does.
    kube.nodes()
        .withName("cidr-1")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"podCIDR\":\"10.244.3.0/24\"}}");
    Node got = kube.nodes().withName("cidr-1").get();
    assertEquals("10.244.3.0/24", got.getSpec().getPodCIDR());
    assertEquals(List.of("10.244.3.0/24"), got.getSpec().getPodCIDRs());
    assertEquals("True", got.getStatus().getConditions().get(0).getStatus(), "status untouched");
    // Setting the same block again is no change, and is accepted.
    kube.nodes()
        .withName("cidr-1")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"podCIDR\":\"10.244.3.0/24\",\"podCIDRs\":[\"10.244.3.0/24\"]}}");
    // Changing it is refused with the API's words, by merge patch, JSON patch (edit) and PUT alike.
    KubernetesClientException merge =
        assertThrows(
            KubernetesClientException.class,
            () ->
                kube.nodes()
                    .withName("cidr-1")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"podCIDR\":\"10.244.4.0/24\",\"podCIDRs\":[\"10.244.4.0/24\"]}}"));
    assertEquals(422, merge.getCode());
    assertTrue(
        merge
            .getMessage()
            .contains("node updates may not change podCIDR except from \"\" to valid"),
        merge.getMessage());
    KubernetesClientException edit =
        assertThrows(
            KubernetesClientException.class,
            () ->
                kube.nodes()
                    .withName("cidr-1")
                    .edit(
                        n -> {
                          n.getSpec().setPodCIDR("10.244.5.0/24");
                          n.getSpec().setPodCIDRs(List.of("10.244.5.0/24"));
                          return n;
                        }));
    assertEquals(422, edit.getCode());
    Node put = kube.nodes().withName("cidr-1").get();
    put.getSpec().setPodCIDRs(List.of());
    put.getSpec().setPodCIDR(null);
    assertEquals(
        422,
        assertThrows(KubernetesClientException.class, () -> kube.nodes().resource(put).update())
            .getCode(),
        "clearing it is a change too");
    assertEquals("10.244.3.0/24", kube.nodes().withName("cidr-1").get().getSpec().getPodCIDR());
    // Other fields of the Node still change.
    kube.nodes()
        .withName("cidr-1")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
    assertEquals("y", kube.nodes().withName("cidr-1").get().getMetadata().getLabels().get("x"));
  }

  @Test
  void aPodCidrThatIsNotACidrIsRefusedOnCreateAndPatch() {
    KubernetesClientException create =
        assertThrows(
            KubernetesClientException.class,
            () ->
                kube.nodes()
                    .resource(
                        new NodeBuilder(node("cidr-2"))
                            .editOrNewSpec()
                            .withPodCIDR("10.244.1.0")
                            .endSpec()
                            .build())
                    .create());
    assertEquals(422, create.getCode());
    kube.nodes().resource(node("cidr-3")).create();
    assertEquals(
        422,
        assertThrows(
                KubernetesClientException.class,
                () ->
                    kube.nodes()
                        .withName("cidr-3")
                        .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            "{\"spec\":{\"podCIDR\":\"a;b\"}}"))
            .getCode());
    assertNull(kube.nodes().withName("cidr-3").get().getSpec().getPodCIDR());
  }

  @Test
  void labelSelectorsAndOptimisticConcurrency() {
    kube.nodes()
        .resource(
            new NodeBuilder(node("sel-1"))
                .editMetadata()
                .addToLabels("graft.dev/pool", "blue")
                .endMetadata()
                .build())
        .create();
    kube.nodes()
        .resource(
            new NodeBuilder(node("sel-2"))
                .editMetadata()
                .addToLabels("graft.dev/pool", "green")
                .endMetadata()
                .build())
        .create();
    assertEquals(
        List.of("sel-1"),
        kube.nodes().withLabel("graft.dev/pool", "blue").list().getItems().stream()
            .map(n -> n.getMetadata().getName())
            .toList());
    assertEquals(2, kube.nodes().withLabel("graft.dev/pool").list().getItems().size());
    Node stale = kube.nodes().withName("sel-1").get();
    kube.nodes().withName("sel-1").edit(n -> n);
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> kube.nodes().resource(stale).update());
    assertEquals(409, e.getCode());
    assertEquals(
        409,
        assertThrows(
                KubernetesClientException.class,
                () -> kube.nodes().resource(node("sel-1")).create())
            .getCode());
  }

  @Test
  void watchSeesNodeEventsThroughTheTlsFront() throws Exception {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (Watch w =
        kube.nodes()
            .withLabel("watched", "yes")
            .watch(
                new Watcher<Node>() {
                  @Override
                  public void eventReceived(Action action, Node node) {
                    events.add(action + " " + node.getMetadata().getName());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      kube.nodes()
          .resource(
              new NodeBuilder(node("watch-1"))
                  .editMetadata()
                  .addToLabels("watched", "yes")
                  .endMetadata()
                  .build())
          .create();
      kube.nodes()
          .withName("watch-1")
          .editStatus(
              n -> {
                n.getStatus().setConditions(List.of(ready("True", Instant.now())));
                return n;
              });
      assertEquals("ADDED watch-1", events.poll(5, TimeUnit.SECONDS));
      assertEquals("MODIFIED watch-1", events.poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void secretsFoldStringDataAndConfigMapsRoundTrip() {
    kube.secrets()
        .inNamespace("kube-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("bootstrap-token-aaaaaa")
                .withNamespace("kube-system")
                .endMetadata()
                .withType("bootstrap.kubernetes.io/token")
                .addToStringData("token-id", "aaaaaa")
                .addToStringData("token-secret", "0123456789abcdef")
                .build())
        .create();
    var s = kube.secrets().inNamespace("kube-system").withName("bootstrap-token-aaaaaa").get();
    assertEquals(
        "aaaaaa",
        new String(
            Base64.getDecoder().decode(s.getData().get("token-id")), StandardCharsets.UTF_8));
    assertTrue(s.getStringData() == null || s.getStringData().isEmpty());
    kube.configMaps()
        .inNamespace("kube-system")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("cm-1")
                .withNamespace("kube-system")
                .endMetadata()
                .addToData("k", "v")
                .build())
        .create();
    assertEquals(
        "v",
        kube.configMaps().inNamespace("kube-system").withName("cm-1").get().getData().get("k"));
    assertNull(kube.configMaps().inNamespace("kube-system").withName("absent").get());
  }

  @Test
  void bootstrapSignerSignsValidTokensAndCleanerDeletesExpiredOnes() throws Exception {
    String info = Kubeconfig.clusterInfo(api.url(), api.ca().certPem());
    kube.configMaps()
        .inNamespace("kube-public")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("cluster-info")
                .withNamespace("kube-public")
                .endMetadata()
                .addToData("kubeconfig", info)
                .build())
        .createOr(x -> x.update());
    kube.secrets()
        .inNamespace("kube-system")
        .resource(token("bbbbbb", "bbbbbbbbbbbbbbbb", Instant.now().plusSeconds(600)))
        .create();
    kube.secrets()
        .inNamespace("kube-system")
        .resource(token("cccccc", "cccccccccccccccc", Instant.now().minusSeconds(5)))
        .create();
    await(() -> data().containsKey("jws-kubeconfig-bbbbbb"));
    assertTrue(
        Jws.verifyDetached(
            data().get("jws-kubeconfig-bbbbbb"), info, "bbbbbb", "bbbbbbbbbbbbbbbb"));
    assertFalse(
        Jws.verifyDetached(
            data().get("jws-kubeconfig-bbbbbb"), info, "bbbbbb", "xxxxxxxxxxxxxxxx"));
    await(
        () ->
            kube.secrets().inNamespace("kube-system").withName("bootstrap-token-cccccc").get()
                == null);
    assertFalse(data().containsKey("jws-kubeconfig-cccccc"));
    kube.secrets().inNamespace("kube-system").withName("bootstrap-token-bbbbbb").delete();
    await(() -> !data().containsKey("jws-kubeconfig-bbbbbb"));
  }

  @Test
  void nodeLifecycleMarksSilentNodesUnknownAndTaintsThem() throws Exception {
    kube.nodes().resource(node("life-1")).create();
    kube.nodes()
        .withName("life-1")
        .editStatus(
            n -> {
              n.getStatus().setConditions(List.of(ready("True", Instant.now().minusSeconds(30))));
              return n;
            });
    await(() -> "Unknown".equals(readyStatus("life-1")));
    Node n = kube.nodes().withName("life-1").get();
    assertEquals("NodeStatusUnknown", NodeLifecycleStandin.readyCondition(n).getReason());
    // Status and taints are two writes, as in the real controller: the taint follows.
    await(
        () ->
            kube.nodes().withName("life-1").get().getSpec().getTaints().stream()
                .anyMatch(t -> t.getKey().equals("node.kubernetes.io/unreachable")));
    kube.nodes()
        .withName("life-1")
        .editStatus(
            x -> {
              x.getStatus().setConditions(List.of(ready("True", Instant.now().plusSeconds(60))));
              return x;
            });
    await(() -> kube.nodes().withName("life-1").get().getSpec().getTaints().isEmpty());
  }

  @Test
  void csrSignerSignsKubeletClientCertificates() throws Exception {
    KeyPair key = Pki.rsaKey();
    var csr =
        new JcaPKCS10CertificationRequestBuilder(
                new X500Name("O=system:nodes,CN=system:node:csr-1"), key.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(key.getPrivate()));
    String pem = Pem.encode(csr);
    kube.certificates()
        .v1()
        .certificateSigningRequests()
        .resource(
            new CertificateSigningRequestBuilder()
                .withNewMetadata()
                .withName("csr-1")
                .endMetadata()
                .withNewSpec()
                .withSignerName(CsrSignerStandin.KUBELET_CLIENT)
                .withRequest(
                    Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8)))
                .withUsages("client auth")
                .endSpec()
                .build())
        .create();
    await(
        () -> {
          var c = kube.certificates().v1().certificateSigningRequests().withName("csr-1").get();
          return c.getStatus() != null && c.getStatus().getCertificate() != null;
        });
    String cert =
        new String(
            Base64.getDecoder()
                .decode(
                    kube.certificates()
                        .v1()
                        .certificateSigningRequests()
                        .withName("csr-1")
                        .get()
                        .getStatus()
                        .getCertificate()),
            StandardCharsets.UTF_8);
    var x = Pem.certificate(cert);
    x.verify(api.ca().cert().getPublicKey());
    assertEquals(key.getPublic(), x.getPublicKey());
    assertTrue(x.getSubjectX500Principal().getName().contains("CN=system:node:csr-1"));
  }

  private static Map<String, String> data() {
    return kube.configMaps().inNamespace("kube-public").withName("cluster-info").get().getData();
  }

  private static String readyStatus(String name) {
    return NodeLifecycleStandin.readyCondition(kube.nodes().withName(name).get()).getStatus();
  }

  static io.fabric8.kubernetes.api.model.Secret token(String id, String secret, Instant exp) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("bootstrap-token-" + id)
        .withNamespace("kube-system")
        .endMetadata()
        .withType("bootstrap.kubernetes.io/token")
        .addToStringData("token-id", id)
        .addToStringData("token-secret", secret)
        .addToStringData("expiration", exp.toString())
        .addToStringData("usage-bootstrap-authentication", "true")
        .addToStringData("usage-bootstrap-signing", "true")
        .build();
  }

  private static Node node(String name) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("t", "1")
        .endMetadata()
        .withNewSpec()
        .endSpec()
        .withNewStatus()
        .endStatus()
        .build();
  }

  private static io.fabric8.kubernetes.api.model.NodeCondition ready(String status, Instant hb) {
    return new NodeConditionBuilder()
        .withType("Ready")
        .withStatus(status)
        .withLastHeartbeatTime(hb.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
        .build();
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("condition not met within 10 s");
  }
}
