package dev.graft.server.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraftYamlImporterTest {
  @Test
  void theShippedExamplesImportToTheSameNodes() {
    ClusterSpec graft = Inventories.load(Seeds.example("graft.yaml")).cluster();
    ClusterSpec ini = Inventories.load(Seeds.example("inventory.ini")).cluster();
    ImportedInventory yaml = Inventories.load(Seeds.example("hosts.yaml"));
    assertEquals(InventoryFormat.KUBESPRAY_YAML, yaml.format());
    assertEquals("k8s-dev-cluster", graft.name());
    assertEquals(EtcdTopology.EXTERNAL, graft.etcd().topology());
    for (ClusterSpec c : List.of(graft, ini, yaml.cluster())) {
      assertEquals(
          List.of("k8s-node1", "k8s-node2", "k8s-node3", "k8s-node4", "k8s-node5", "k8s-node6"),
          c.nodes().stream().map(NodeSpec::name).toList());
      assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), c.nodes().get(2).roles());
      assertEquals("10.200.70.14", c.nodes().get(3).address());
      assertEquals("v1.26.6", c.kubernetesVersion());
    }
    assertEquals(
        "node-role.kubernetes.io/infra=:NoSchedule".replace("=:", ":"),
        yaml.cluster().nodes().get(5).taints().get(0).toString());
    assertEquals(graft.nodes().get(5).taints(), yaml.cluster().nodes().get(5).taints());
    assertEquals(graft.nodes().get(5).labels(), yaml.cluster().nodes().get(5).labels());
    assertTrue(yaml.notes().stream().anyMatch(n -> n.contains("calico_rr")));
  }

  @Test
  void typosAndUnknownRolesArePositioned() {
    String text =
        String.join(
            "\n",
            "apiVersion: graft.dev/v1",
            "kind: Cluster",
            "name: lab",
            "nodes:",
            "  - name: n1",
            "    adress: 10.0.0.1",
            "    roles: [control-plane, master]",
            "    ssh: {port: 70000}");
    InventoryException e =
        assertThrows(
            InventoryException.class, () -> Inventories.importText("cluster.yaml", text, null));
    List<String> messages = e.errors().stream().map(InventoryError::toString).toList();
    assertTrue(
        messages.contains(
            "cluster.yaml:6: field nodes[0].adress: unknown field (known:"
                + " address, ip, labels, name, podCidr, roles, ssh, taints)"),
        messages.toString());
    assertTrue(
        messages.contains(
            "cluster.yaml:7: field nodes[0].roles: unknown role \"master\""
                + " (known: control-plane, etcd, worker, infra)"),
        messages.toString());
    assertTrue(
        messages.contains(
            "cluster.yaml:8: field nodes[0].ssh.port: 70000 is outside" + " 1..65535"),
        messages.toString());
    assertTrue(
        messages.contains("cluster.yaml:5: field nodes[0].address: is required"),
        messages.toString());
  }

  @Test
  void jsonIsTheSameFormat() {
    String json =
        "{\"apiVersion\": \"graft.dev/v1\", \"kind\": \"Cluster\", \"name\": \"lab\",\n"
            + " \"nodes\": [{\"name\": \"n1\", \"address\": \"10.0.0.1\",\n"
            + "   \"roles\": [\"control-plane\", \"etcd\"]}]}";
    ClusterSpec c = Inventories.importText("cluster.json", json, null).cluster();
    assertEquals("https://10.0.0.1:6443", c.apiEndpoint());
    assertEquals("10.244.0.0/16", c.podNetwork().cidr());
    assertEquals(EtcdTopology.STACKED, c.etcd().topology());
  }

  @Test
  void aSelfReferencingAliasIsAnErrorNotAHang() {
    InventoryException e =
        assertThrows(
            InventoryException.class,
            () ->
                Inventories.importText(
                    "c.yaml", "apiVersion: graft.dev/v1\nkind: Cluster\nname: &a [*a]\n", null));
    assertEquals(1, e.errors().size(), e.getMessage());
  }
}
