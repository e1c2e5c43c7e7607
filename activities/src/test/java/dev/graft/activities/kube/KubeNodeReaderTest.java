package dev.graft.activities.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.ObservedNode;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Against the fabric8 mock server in CRUD mode: a stand-in for kube-apiserver. */
@EnableKubernetesMockClient(crud = true)
class KubeNodeReaderTest {
  KubernetesClient client;

  private void node(String name, Map<String, String> labels, String ip, String podCidr) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withPodCIDR(podCidr)
                .endSpec()
                .withNewStatus()
                .addNewAddress()
                .withType("Hostname")
                .withAddress(name)
                .endAddress()
                .addNewAddress()
                .withType("InternalIP")
                .withAddress(ip)
                .endAddress()
                .endStatus()
                .build())
        .create();
  }

  @Test
  void readsRolesFromLabelsAddressesAndPodCidrs() {
    node(
        "k8s-node1",
        Map.of("node-role.kubernetes.io/control-plane", ""),
        "10.200.70.11",
        "10.233.64.0/24");
    node("k8s-node4", Map.of("kubernetes.io/os", "linux"), "10.200.70.14", "10.233.65.0/24");
    node("infra-1", Map.of("node-role.kubernetes.io/infra", ""), "10.200.70.17", null);
    node(
        "old-master",
        Map.of("node-role.kubernetes.io/master", "", "node-role.kubernetes.io/etcd", ""),
        "10.200.70.18",
        "10.233.66.0/24");

    Map<String, ObservedNode> nodes =
        new KubeNodeReader(client)
            .readNodes().stream().collect(Collectors.toMap(ObservedNode::name, n -> n));
    assertEquals(
        new ObservedNode(
            "k8s-node1", "10.200.70.11", List.of(Role.CONTROL_PLANE), "10.233.64.0/24"),
        nodes.get("k8s-node1"));
    assertEquals(
        new ObservedNode("k8s-node4", "10.200.70.14", List.of(Role.WORKER), "10.233.65.0/24"),
        nodes.get("k8s-node4"));
    assertEquals(List.of(Role.WORKER, Role.INFRA), nodes.get("infra-1").roles());
    assertEquals(null, nodes.get("infra-1").podCidr());
    assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), nodes.get("old-master").roles());
  }

  @Test
  void readsEachKubeletsVersionAndReadiness() {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("cp1")
                .endMetadata()
                .withNewStatus()
                .withNewNodeInfo()
                .withKubeletVersion("v1.30.2")
                .endNodeInfo()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build())
        .create();
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("w1")
                .endMetadata()
                .withNewStatus()
                .withNewNodeInfo()
                .withKubeletVersion("v1.29.9")
                .endNodeInfo()
                .addNewCondition()
                .withType("Ready")
                .withStatus("Unknown")
                .endCondition()
                .endStatus()
                .build())
        .create();
    client
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName("bare").endMetadata().build())
        .create();

    Map<String, dev.graft.workflows.upgrade.UpgradeInput.ObservedVersion> v =
        new KubeNodeReader(client)
            .readVersions().stream().collect(Collectors.toMap(o -> o.name(), o -> o));
    assertEquals(
        new dev.graft.workflows.upgrade.UpgradeInput.ObservedVersion("cp1", "v1.30.2", true),
        v.get("cp1"));
    assertEquals(
        new dev.graft.workflows.upgrade.UpgradeInput.ObservedVersion("w1", "v1.29.9", false),
        v.get("w1"));
    assertEquals(
        new dev.graft.workflows.upgrade.UpgradeInput.ObservedVersion("bare", null, false),
        v.get("bare"));
  }
}
