package dev.graft.server.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.Taint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetalK8sImporterTest {
  @Test
  void aControlPlaneEtcdNodeAndAnInfraWorkerImportWithTheirLabelsAndTaints() {
    ImportedInventory inv = Seeds.importSeed("000-metalk8s-nodes.yaml");
    assertEquals(InventoryFormat.METALK8S_NODES, inv.format());
    ClusterSpec c = inv.cluster();
    NodeSpec cp = c.nodes().get(0);
    assertEquals("node2", cp.name());
    assertEquals("172.21.254.7", cp.address());
    assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), cp.roles());
    assertEquals(
        Map.of(
            "metalk8s.scality.com/version",
            "2.2.0-dev",
            "node-role.kubernetes.io/master",
            "",
            "node-role.kubernetes.io/etcd",
            ""),
        cp.labels());
    assertEquals(
        List.of(
            new Taint("node-role.kubernetes.io/master", "", "NoSchedule"),
            new Taint("node-role.kubernetes.io/etcd", "", "NoSchedule")),
        cp.taints());
    assertEquals("/etc/metalk8s/pki/salt-bootstrap", cp.ssh().keyRef());
    assertFalse(c.sshFor(cp).effectiveSudo());

    NodeSpec infra = c.nodes().get(1);
    assertEquals(List.of(Role.WORKER, Role.INFRA), infra.roles());
    assertEquals(
        Map.of("metalk8s.scality.com/version", "2.2.0-dev", "node-role.kubernetes.io/infra", ""),
        infra.labels());
    assertEquals(
        List.of(new Taint("node-role.kubernetes.io/infra", "", "NoSchedule")), infra.taints());
    assertTrue(c.sshFor(infra).effectiveSudo());
  }

  @Test
  void theDamagedManifestOfSeed001FailsAtTheLineWhereItBreaks() {
    InventoryException e =
        assertThrows(InventoryException.class, () -> Seeds.importSeed("001-metalk8s-damaged.yaml"));
    InventoryError err = e.errors().get(0);
    assertEquals(3, err.line(), err.toString());
    assertTrue(
        err.toString()
            .startsWith(
                "001-metalk8s-damaged.yaml:3: YAML syntax: mapping"
                    + " values are not allowed here"),
        err.toString());
  }

  @Test
  void theUnfilledTemplateOfSeed000FailsAtThePlaceholder() {
    InventoryException e =
        assertThrows(
            InventoryException.class, () -> Seeds.importSeed("000-metalk8s-template.yaml"));
    assertEquals(12, e.errors().get(0).line(), e.getMessage());
  }

  @Test
  void missingSshHostAndBadAnnotationsAreNamed() {
    String text =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Node",
            "metadata:",
            "  name: n1",
            "  annotations:",
            "    metalk8s.scality.com/ssh-port: 'twenty-two'",
            "    metalk8s.scality.com/ssh-sudo: 'perhaps'",
            "  labels:",
            "    node-role.kubernetes.io/control-plane: ''");
    InventoryException e =
        assertThrows(
            InventoryException.class, () -> Inventories.importText("nodes.yaml", text, null));
    assertEquals(
        List.of(
            "nodes.yaml:6: field metadata.annotations.metalk8s.scality.com/ssh-host: is required:"
                + " the address Graft connects to over SSH",
            "nodes.yaml:6: field metadata.annotations.metalk8s.scality.com/ssh-port:"
                + " \"twenty-two\" is not a port number",
            "nodes.yaml:7: field metadata.annotations.metalk8s.scality.com/ssh-sudo: \"perhaps\""
                + " is not a boolean (true or false)"),
        e.errors().stream().map(InventoryError::toString).toList());
  }

  @Test
  void aNodeListAndRoleTable() {
    String text =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: List",
            "items:",
            "- {apiVersion: v1, kind: Node, metadata: {name: a, annotations:"
                + " {metalk8s.scality.com/ssh-host: 10.0.0.1}, labels:"
                + " {node-role.kubernetes.io/control-plane: '', node-role.kubernetes.io/infra: ''}}}",
            "- {apiVersion: v1, kind: Node, metadata: {name: b, annotations:"
                + " {metalk8s.scality.com/ssh-host: 10.0.0.2}, labels:"
                + " {node-role.kubernetes.io/node: ''}}, spec: {podCIDR: 10.233.5.0/24}}");
    ClusterSpec c = Inventories.importText("list.yaml", text, null).cluster();
    assertEquals(
        List.of(Role.CONTROL_PLANE, Role.INFRA),
        c.nodes().get(0).roles(),
        "an infra control-plane node does not become a worker");
    assertEquals(List.of(Role.WORKER), c.nodes().get(1).roles());
    assertEquals("10.233.5.0/24", c.nodes().get(1).podCidr());
  }
}
