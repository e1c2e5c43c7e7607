package dev.graft.server.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KubesprayIniImporterTest {
  static ClusterSpec ini(String text) {
    ImportedInventory inv = Inventories.importText("inventory.ini", text, null);
    assertEquals(InventoryFormat.KUBESPRAY_INI, inv.format());
    return inv.cluster();
  }

  static Map<String, List<Role>> roles(ClusterSpec c) {
    return c.nodes().stream().collect(Collectors.toMap(NodeSpec::name, NodeSpec::roles));
  }

  static InventoryError failure(String text) {
    InventoryException e =
        assertThrows(
            InventoryException.class,
            () -> Inventories.importText("inventory.ini", text, InventoryFormat.KUBESPRAY_INI));
    return e.errors().get(0);
  }

  @Test
  void seed002FinalInventoryImportsWithEtcdOnTheThreeControlPlaneNodes() {
    ImportedInventory inv = Seeds.importSeed("002-kubespray-final.ini");
    ClusterSpec c = inv.cluster();
    assertEquals(
        List.of("k8s-node1", "k8s-node2", "k8s-node3", "k8s-node4", "k8s-node5", "k8s-node6"),
        c.nodes().stream().map(NodeSpec::name).toList());
    for (int i = 1; i <= 3; i++) {
      assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), roles(c).get("k8s-node" + i));
    }
    for (int i = 4; i <= 6; i++) {
      assertEquals(List.of(Role.WORKER), roles(c).get("k8s-node" + i));
    }
    NodeSpec n2 = c.nodes().get(1);
    assertEquals("10.200.70.12", n2.address());
    assertEquals("10.200.70.12", n2.ip());
    assertEquals(EtcdTopology.EXTERNAL, c.etcd().topology());
    assertEquals("https://10.200.70.11:6443", c.apiEndpoint());
    assertEquals("10.233.64.0/18", c.podNetwork().cidr(), "kubespray's default kube_pods_subnet");
    assertEquals("/etc/ssl/etcd/ssl/ca.pem", c.etcd().caCert());
    assertEquals(
        List.of(
            "https://10.200.70.11:2379", "https://10.200.70.12:2379", "https://10.200.70.13:2379"),
        c.etcdEndpoints());
    assertTrue(inv.notes().isEmpty(), inv.notes().toString());
  }

  @Test
  void seed002IntermediateInventoriesImportAndHostsOutsideKubeGroupsAreLeftOutWithANote() {
    assertEquals(4, Seeds.importSeed("002-kubespray-step1-worker.ini").cluster().nodes().size());
    ImportedInventory step2 = Seeds.importSeed("002-kubespray-step2-control-plane.ini");
    Map<String, List<Role>> r = roles(step2.cluster());
    assertEquals(List.of(Role.CONTROL_PLANE, Role.WORKER), r.get("k8s-node2"));
    assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), r.get("k8s-node1"));
    assertEquals(4, r.size(), "k8s-node5 and k8s-node6 are in no kube group in that inventory");
    assertTrue(
        step2.notes().stream().anyMatch(n -> n.startsWith("k8s-node5 (line 6)")),
        step2.notes().toString());
  }

  @Test
  void theBriefsExampleErrorReadsExactlyLikeThis() {
    String text =
        String.join(
            "\n",
            "[all]",
            "k8s-node1 ansible_host=10.213.0.11 ip=10.213.0.11",
            "",
            "[kube_control_plane]",
            "k8s-node1",
            "[etcd]",
            "k8s-node1 ansible_port=abc",
            "[kube_node]");
    assertEquals(
        "inventory.ini:7: field ansible_port: \"abc\" is not a port number",
        failure(text).toString());
  }

  @Test
  void sshSettingsComeFromHostLinesAndAllVars() {
    ClusterSpec c =
        ini(
            String.join(
                "\n",
                "; a semicolon comment",
                "[all]",
                "k8s-node1 ansible_host=10.213.0.11 ip=10.213.0.11 ansible_user=root ansible_port=22"
                    + " ansible_ssh_private_key_file=/path/key",
                "k8s-node2 ansible_host=10.213.0.12 ansible_port=2222 ansible_become=yes"
                    + " ansible_user=ops",
                "[all:vars]",
                "ansible_ssh_common_args='-o UserKnownHostsFile=/path/known_hosts -o"
                    + " StrictHostKeyChecking=yes'",
                "ansible_ssh_private_key_file=/keys/default",
                "[kube_control_plane]",
                "k8s-node1",
                "[etcd]",
                "k8s-node1",
                "[kube_node]",
                "k8s-node2",
                "[k8s_cluster:children]",
                "kube_control_plane",
                "kube_node"));
    assertEquals("/path/known_hosts", c.ssh().knownHosts());
    assertEquals("/keys/default", c.ssh().keyRef());
    NodeSpec n1 = c.nodes().get(0);
    NodeSpec n2 = c.nodes().get(1);
    assertEquals("/path/key", c.sshFor(n1).keyRef());
    assertEquals(22, c.sshFor(n1).effectivePort());
    assertEquals("/keys/default", c.sshFor(n2).keyRef());
    assertEquals(2222, c.sshFor(n2).effectivePort());
    assertEquals("ops", c.sshFor(n2).user());
    assertTrue(c.sshFor(n2).effectiveSudo());
    assertEquals("/path/known_hosts", c.sshFor(n2).knownHosts());
    assertNull(n1.ssh().knownHosts(), "inherited settings are not copied onto the node");
  }

  @ParameterizedTest(name = "{0} expands to {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "k8s-node[4:6]; k8s-node4 k8s-node5 k8s-node6",
        "node[01:03]; node01 node02 node03",
        "node[1:5:2]; node1 node3 node5",
        "web-[a:c]; web-a web-b web-c",
        "r[1:2]-n[1:2]; r1-n1 r1-n2 r2-n1 r2-n2"
      })
  void hostRangesExpandLikeAnsible(String pattern, String expected) {
    ClusterSpec c = ini("[kube_control_plane]\n" + pattern + "\n[etcd]\n" + pattern + "\n");
    assertEquals(List.of(expected.split(" ")), c.nodes().stream().map(NodeSpec::name).toList());
  }

  @ParameterizedTest(name = "host pattern {0} is refused on line 2")
  @CsvSource({"node[3:1]", "node[1:]", "node[01:3]", "node[1:3", "node[0:99999]", "node[a:3]"})
  void badHostRangesArePositioned(String pattern) {
    InventoryError e = failure("[kube_node]\n" + pattern + "\n");
    assertEquals(2, e.line(), e.toString());
  }

  @Test
  void legacyGroupNamesAndCalicoRouteReflectors() {
    ImportedInventory inv =
        Inventories.importText(
            "hosts.ini",
            String.join(
                "\n",
                "[kube-master]",
                "m1 ansible_host=10.0.0.1",
                "[etcd]",
                "m1",
                "[kube-node]",
                "w1 ansible_host=10.0.0.2",
                "[calico_rr]",
                "rr1 ansible_host=10.0.0.3",
                "[k8s-cluster:children]",
                "kube-master",
                "kube-node",
                "calico_rr"),
            null);
    Map<String, List<Role>> r = roles(inv.cluster());
    assertEquals(List.of(Role.CONTROL_PLANE, Role.ETCD), r.get("m1"));
    assertEquals(List.of(Role.WORKER), r.get("w1"));
    assertEquals(2, r.size());
    assertTrue(inv.notes().stream().anyMatch(n -> n.contains("[calico_rr] is ignored")));
  }

  @Test
  void groupVariablesFollowAnsiblePrecedence() {
    ClusterSpec c =
        ini(
            String.join(
                "\n",
                "[all:vars]",
                "ansible_user=fromall",
                "kube_pods_subnet=10.100.0.0/16",
                "[kube_node:vars]",
                "ansible_user=fromgroup",
                "[k8s_cluster:vars]",
                "ansible_user=fromparent",
                "kube_network_node_prefix=26",
                "kube_version=1.29.1  # trailing comments are dropped",
                "[kube_control_plane]",
                "cp1 ansible_host=10.0.0.1",
                "[etcd]",
                "cp1",
                "[kube_node]",
                "w1 ansible_host=10.0.0.2",
                "w2 ansible_host=10.0.0.3 ansible_user=own",
                "[k8s_cluster:children]",
                "kube_control_plane",
                "kube_node"));
    assertEquals("fromall", c.ssh().user());
    assertEquals("fromparent", c.sshFor(c.nodes().get(0)).user());
    assertEquals("fromgroup", c.sshFor(c.nodes().get(1)).user());
    assertEquals("own", c.sshFor(c.nodes().get(2)).user());
    assertEquals("10.100.0.0/16", c.podNetwork().cidr());
    assertEquals(26, c.podNetwork().nodeMask());
    assertEquals("v1.29.1", c.kubernetesVersion());
  }

  @Test
  void everyProblemOfAFileIsReportedAtOnce() {
    InventoryException e =
        assertThrows(
            InventoryException.class,
            () ->
                ini(
                    String.join(
                        "\n",
                        "[kube_control_plane]",
                        "cp1 ansible_port=x",
                        "[kube node]",
                        "w1",
                        "[etcd]",
                        "cp1 ansible_become=maybe",
                        "[etcd:vars]",
                        "novalue")));
    List<Integer> lines = e.errors().stream().map(InventoryError::line).toList();
    assertTrue(lines.containsAll(List.of(3, 8)), e.getMessage());
  }

  @Test
  void aCycleOfChildrenIsRefusedWithItsLine() {
    InventoryError e =
        failure(String.join("\n", "[a:children]", "b", "[b:children]", "a", "[kube_node]", "w1"));
    assertTrue(e.message().contains("cycle"), e.toString());
    assertTrue(e.line() == 2 || e.line() == 4, e.toString());
  }

  @Test
  void labelsAndTaintsFromKubesprayVariables() {
    ClusterSpec c =
        ini(
            String.join(
                "\n",
                "[kube_control_plane]",
                "cp1 ansible_host=10.0.0.1",
                "[etcd]",
                "cp1",
                "[kube_node]",
                "w1 ansible_host=10.0.0.2 node_labels='{\"zone\": \"a\"}'"
                    + " node_taints='[\"dedicated=infra:NoSchedule\"]'"));
    NodeSpec w1 = c.nodes().get(1);
    assertEquals(Map.of("zone", "a"), w1.labels());
    assertEquals("dedicated=infra:NoSchedule", w1.taints().get(0).toString());
  }
}
