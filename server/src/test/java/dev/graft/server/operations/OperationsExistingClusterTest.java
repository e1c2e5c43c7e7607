package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.inventory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.server.testing.LocalEtcd;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expanding a cluster Graft did not create: {@code kubeconfig} in the request makes the server read
 * kubeadm-config, cluster-info, the Nodes (fabric8 mock server, the stand-in kube-apiserver) and
 * the etcd members (a real etcd on 127.0.0.1) and fill the inventory's gaps from them.
 */
@EnableKubernetesMockClient(crud = true)
class OperationsExistingClusterTest {
  static final OperationsFixture F = new OperationsFixture();
  KubernetesClient client;
  @TempDir Path dir;
  LocalEtcd etcd;

  @BeforeAll
  static void start() throws Exception {
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  @AfterEach
  void stopEtcd() throws InterruptedException {
    if (etcd != null) {
      etcd.close();
    }
  }

  private Path cluster(String etcdUrl) throws Exception {
    client
        .configMaps()
        .inNamespace("kube-system")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("kubeadm-config")
                .withNamespace("kube-system")
                .endMetadata()
                .withData(
                    Map.of(
                        "ClusterConfiguration",
                        String.join(
                            "\n",
                            "kind: ClusterConfiguration",
                            "controlPlaneEndpoint: 10.0.0.1:6443",
                            "kubernetesVersion: v1.32.1",
                            "etcd: {external: {endpoints: [" + etcdUrl + "]}}",
                            "networking: {podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/12}")))
                .build())
        .create();
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("cp1")
                .withLabels(Map.of("node-role.kubernetes.io/control-plane", ""))
                .endMetadata()
                .withNewSpec()
                .withPodCIDR("10.244.0.0/24")
                .endSpec()
                .withNewStatus()
                .addNewAddress()
                .withType("InternalIP")
                .withAddress("10.0.0.1")
                .endAddress()
                .endStatus()
                .build())
        .create();
    // Under the fixture server's paths.allowedRoots: it reads kubeconfigs nowhere else.
    return UpgradeClusters.kubeconfig(client, F.dir);
  }

  private static String body(String requestId, String inventory, Path kubeconfig) throws Exception {
    return "{\"kind\":\"expand\",\"requestId\":\""
        + requestId
        + "\",\"kubeconfig\":\""
        + kubeconfig
        + "\",\"inventory\":{\"text\":"
        + JSON.writeValueAsString(inventory)
        + ",\"file\":\"inventory.ini\"}}";
  }

  @Test
  void theClustersSubnetsAndEtcdFillTheInventorysGaps() throws Exception {
    etcd = LocalEtcd.start(dir);
    String c = etcd.clientUrl();
    Path kubeconfig = cluster(c);
    String inv = inventory("adopted", "w1", "w2");
    HttpResponse<String> r = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) { // etcd needs a moment to elect itself
      r = F.call("POST", "/api/v1/operations", OPERATOR, body("r1", inv, kubeconfig));
      if (r.statusCode() != 422) {
        break;
      }
      Thread.sleep(300);
    }
    assertEquals(202, r.statusCode(), r.body());
    JsonNode plan = JSON.readTree(r.body()).get("plan");
    // The inventory says nothing of the pod network: kubespray's default would be 10.233.64.0/18;
    // the cluster's kubeadm-config says 10.244.0.0/16, and cp1 already holds 10.244.0.0/24.
    for (JsonNode a : plan.get("additions")) {
      assertTrue(a.get("podCidr").asText().startsWith("10.244."), plan.toString());
      assertTrue(!a.get("podCidr").asText().equals("10.244.0.0/24"), plan.toString());
    }
    assertEquals(1, plan.get("etcdMembersBefore").asInt(), plan.toString());
    assertTrue(plan.get("existingNodes").toString().contains("cp1"), plan.toString());
    F.await("cluster/adopted/expand/r1", d -> "done".equals(d.get("state").asText()));
  }

  @Test
  void anInventoryValueTheClusterContradictsIsRefusedAtItsLine() throws Exception {
    Path kubeconfig = cluster("http://127.0.0.1:1");
    String inv =
        inventory("contra", "w1")
            .replace("[all:vars]\n", "[all:vars]\nkube_pods_subnet=10.233.64.0/18\n");
    HttpResponse<String> r =
        F.call("POST", "/api/v1/operations", OPERATOR, body("r1", inv, kubeconfig));
    assertEquals(400, r.statusCode(), r.body());
    JsonNode e = JSON.readTree(r.body()).at("/errors/0");
    assertEquals("kube_pods_subnet", e.get("field").asText(), r.body());
    assertEquals(6, e.get("line").asInt(), r.body()); // [all], cp1, w1, blank, [all:vars], here
    assertTrue(e.get("message").asText().contains("10.244.0.0/16"), r.body());
  }

  @Test
  void anUnreadableKubeconfigIs400NamingIt() throws Exception {
    HttpResponse<String> r =
        F.call(
            "POST",
            "/api/v1/operations",
            OPERATOR,
            body("r1", inventory("nokube", "w1"), dir.resolve("missing.conf")));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("kubeconfig", JSON.readTree(r.body()).at("/errors/0/field").asText());
  }
}
