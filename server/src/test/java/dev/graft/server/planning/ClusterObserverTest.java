package dev.graft.server.planning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.kube.KubeadmClusterInfo;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.Inventories;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.workflows.model.EtcdTopology;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.plan.PlanMessage;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the cluster decides wins over the inventory's defaults, contradictions are refused at the
 * inventory's line, the cluster is never named after a directory, and the drift between the
 * inventory and the cluster is reported.
 */
class ClusterObserverTest {
  private static final String KUBESPRAY =
      String.join(
          "\n",
          "[all]",
          "cp1 ansible_host=10.0.0.1",
          "w1 ansible_host=10.0.0.2 node_labels=\"{'pool': 'blue'}\" node_taints=\"['dedicated=db:NoSchedule']\"",
          "[kube_control_plane]",
          "cp1",
          "[etcd]",
          "cp1",
          "[kube_node]",
          "w1",
          "");
  private static final KubeadmClusterInfo KUBEADM =
      new KubeadmClusterInfo(
          "https://10.0.0.1:6443",
          "10.244.0.0/16",
          "10.96.0.0/12",
          EtcdTopology.STACKED,
          List.of(),
          null,
          null,
          null,
          "v1.31.2",
          true,
          "kubernetes");

  @Test
  void kubeadmConfigNamesTheClusterAndDecidesWhatKubesprayOnlyDefaults() {
    ImportedInventory inv =
        Inventories.importText("inventory/prod-eu/inventory.ini", KUBESPRAY, null);
    assertEquals(null, inv.cluster().name(), "never the inventory's directory");
    ImportedInventory filled =
        ClusterObserver.fill(
            inv,
            KUBEADM,
            "/k/admin.conf",
            false,
            List.of(new ObservedNode("cp1", "10.0.0.1", List.of(), "10.244.0.0/23")));
    assertEquals("kubernetes", filled.cluster().name());
    assertEquals(
        "10.244.0.0/16", filled.cluster().podNetwork().cidr(), "not kubespray's 10.233.64.0/18");
    assertEquals(23, filled.cluster().podNetwork().nodeMask(), "the Nodes' pod CIDR size");
    assertEquals("10.96.0.0/12", filled.cluster().serviceCidr());
    assertEquals(
        EtcdTopology.STACKED,
        filled.cluster().etcd().topology(),
        "not kubespray's default host etcd");
    assertEquals("v1.31.2", filled.cluster().kubernetesVersion());
  }

  @Test
  void aNameOrSubnetTheClusterContradictsIsRefusedAtTheInventorysLine() {
    ImportedInventory inv =
        Inventories.importText(
            "inventory.ini",
            KUBESPRAY + "[all:vars]\ngraft_cluster_name=prod\nkube_pods_subnet=10.233.64.0/18\n",
            null);
    InventoryException e =
        assertThrows(
            InventoryException.class, () -> ClusterObserver.fill(inv, KUBEADM, "/k/admin.conf"));
    List<String> fields = e.errors().stream().map(InventoryError::field).toList();
    assertEquals(List.of("graft_cluster_name", "kube_pods_subnet"), fields, e.getMessage());
    assertEquals(11, e.errors().get(0).line(), e.getMessage());
  }

  @Test
  void withoutKubeadmConfigAnUnnamedInventoryIsRefusedAskingForAName() {
    ImportedInventory inv = Inventories.importText("inventory.ini", KUBESPRAY, null);
    InventoryException e =
        assertThrows(
            InventoryException.class,
            () ->
                new PlanningService(new ClusterObserver(java.time.Duration.ofSeconds(1), p -> true))
                    .plan(
                        inv,
                        new PlanningService.AssumeEmpty(),
                        5,
                        new InventoryValidator(h -> Set.of(), false)));
    assertTrue(
        e.getMessage().contains("graft_cluster_name") && e.getMessage().contains("--kubeconfig"),
        e.getMessage());
  }

  @Test
  void driftNamesLabelsTaintsAndKubeletsOfExistingNodes() {
    ImportedInventory inv = Inventories.importText("inventory.ini", KUBESPRAY, null);
    Node w1 =
        new NodeBuilder()
            .withNewMetadata()
            .withName("w1")
            .addToLabels("pool", "green")
            .endMetadata()
            .withNewStatus()
            .withNewNodeInfo()
            .withKubeletVersion("v1.30.9")
            .endNodeInfo()
            .endStatus()
            .build();
    List<PlanMessage> drift =
        Drift.of(inv.cluster(), List.of(w1), KUBEADM, "clusters: []\n", Instant.now());
    assertEquals(
        List.of("labels-differ", "taints-differ", "kubelet-version-differs"),
        drift.stream().map(PlanMessage::code).toList(),
        drift.toString());
    assertTrue(drift.get(0).message().contains("pool=blue (the Node has green)"), drift.toString());
    assertTrue(drift.get(1).message().contains("dedicated=db:NoSchedule"), drift.toString());
  }
}
