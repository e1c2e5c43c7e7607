package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lab's pure parts: address plan, roles, name validation, mutation lines, inventories. */
class LabModelTest {

  @Test
  void slotZeroMatchesTheDocumentedAddresses() {
    AddressPlan p = new AddressPlan(0);
    assertEquals("graftlab0", p.bridge());
    assertEquals("10.213.0.0/20", p.subnet());
    assertEquals("10.213.0.1", p.gateway());
    assertEquals("10.213.0.11", p.host(1));
    assertEquals("10.213.1.4", p.host(250));
    assertEquals("10.213.15.170", p.host(AddressPlan.MAX_HOSTS));
    assertEquals("gl0h4000", p.veth(4000));
  }

  @Test
  void slotsDoNotOverlap() {
    AddressPlan p = new AddressPlan(15);
    assertEquals("10.213.240.0/20", p.subnet());
    assertEquals("10.213.240.11", p.host(1));
    assertEquals("10.213.255.170", p.host(AddressPlan.MAX_HOSTS));
    assertTrue(p.veth(AddressPlan.MAX_HOSTS).length() <= 15);
    assertThrows(IllegalArgumentException.class, () -> new AddressPlan(16));
    assertThrows(IllegalArgumentException.class, () -> p.host(0));
  }

  @Test
  void defaultRolesAreOneStackedControlPlaneAndWorkers() {
    RolePlan r = RolePlan.DEFAULT;
    assertEquals(List.of("control-plane", "etcd"), r.rolesFor(1));
    assertEquals(List.of("worker"), r.rolesFor(2));
  }

  @Test
  void externalEtcdHostsFollowTheControlPlanes() {
    RolePlan r = new RolePlan(2, 3, true);
    assertEquals(List.of("control-plane"), r.rolesFor(2));
    assertEquals(List.of("etcd"), r.rolesFor(3));
    assertEquals(List.of("etcd"), r.rolesFor(5));
    assertEquals(List.of("worker"), r.rolesFor(6));
    assertEquals(5, r.minimumHosts());
    assertThrows(IllegalArgumentException.class, () -> new RolePlan(1, 3, false));
  }

  @Test
  void shellHostileNamesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Names.hostName("node", "a;rm -rf /"));
    assertThrows(IllegalArgumentException.class, () -> Names.command("command", "../bin/sh"));
    assertThrows(IllegalArgumentException.class, () -> Names.absPath("path", "/etc/../root"));
    assertThrows(IllegalArgumentException.class, () -> Names.absPath("path", "/tmp/$(id)"));
    assertThrows(
        IllegalArgumentException.class, () -> LabSpec.builder().namePrefix("Node_").build());
    assertEquals("k8s-node1", Names.hostName("node", "k8s-node1"));
  }

  @Test
  void mutationLinesParse() {
    Mutation m = Mutation.parse("2026-01-02T03:04:05.678Z\tkubeadm\tjoin --token 'a b'");
    assertEquals(Instant.parse("2026-01-02T03:04:05.678Z"), m.time());
    assertEquals("kubeadm", m.command());
    assertEquals("join --token 'a b'", m.args());
    assertNull(Mutation.parse("garbage"));
  }

  @Test
  void inventoriesFollowTheFormats() throws Exception {
    HostState h1 =
        new HostState(
            "k8s-node1",
            1,
            "10.213.0.11",
            22,
            List.of("control-plane", "etcd"),
            "ssh-ed25519 AAAA1",
            "/s/hosts/k8s-node1",
            "gl0h1",
            null,
            null,
            null);
    HostState h2 =
        new HostState(
            "k8s-node2",
            2,
            "10.213.0.12",
            22,
            List.of("worker"),
            "ssh-ed25519 AAAA2",
            "/s/hosts/k8s-node2",
            "gl0h2",
            null,
            null,
            null);
    LabState s =
        new LabState(
            1,
            "abc",
            LabKind.NETNS,
            "/s",
            "now",
            "graftlab0",
            "10.213.0.0/20",
            "10.213.0.1",
            null,
            "lab",
            "https://10.213.0.1:6443",
            "/s/id_ed25519",
            "/s/id_ed25519.pub",
            "/s/known_hosts",
            "/s/inventory.yaml",
            "/s/inventory.ini",
            "/s/kubeconfig/admin.conf",
            List.of(),
            List.of(h1, h2),
            null);
    JsonNode y = new ObjectMapper(new YAMLFactory()).readTree(InventoryWriter.graftYaml(s));
    assertEquals("graft.dev/v1", y.get("apiVersion").asText());
    assertEquals("Cluster", y.get("kind").asText());
    assertEquals("stacked", y.get("etcd").get("topology").asText());
    assertEquals("/s/id_ed25519", y.get("ssh").get("keyRef").asText());
    assertEquals("10.213.0.12", y.get("nodes").get(1).get("address").asText());
    assertEquals("ssh-ed25519 AAAA1", y.get("nodes").get(0).get("ssh").get("hostKey").asText());
    assertEquals("etcd", y.get("nodes").get(0).get("roles").get(1).asText());
    String ini = InventoryWriter.kubesprayIni(s);
    assertTrue(
        ini.contains(
            "k8s-node1 ansible_host=10.213.0.11 ip=10.213.0.11 ansible_user=root"
                + " ansible_port=22 ansible_ssh_private_key_file=/s/id_ed25519\n"));
    assertTrue(ini.contains("[etcd]\nk8s-node1\n"));
    assertTrue(ini.contains("[kube_node]\nk8s-node2\n"));
    assertTrue(ini.contains("[k8s_cluster:children]\nkube_control_plane\nkube_node\n"));
    assertEquals(
        "10.213.0.11 ssh-ed25519 AAAA1\n10.213.0.12 ssh-ed25519 AAAA2\n",
        InventoryWriter.knownHosts(s));
    assertEquals(InventoryWriter.KUBERNETES_VERSION, y.get("kubernetesVersion").asText());

    // A bootstrapped lab's inventories name the version its cluster was made with: an upgradable
    // lab at v1.30.2 whose inventory said the default v1.32.0 was refused by Graft's expansion.
    LabState booted =
        s.withBootstrap(
            "https://10.213.0.1:6443",
            "/s/kubeconfig/admin.conf",
            List.of("https://10.213.0.11:2379"),
            new BootstrapState(
                "k8s-node1",
                "/s/etcd/ca.crt",
                "/s/etcd/c.crt",
                "/s/etcd/c.key",
                "sha256:x",
                1.0,
                "v1.30.2"));
    assertEquals(
        "v1.30.2",
        new ObjectMapper(new YAMLFactory())
            .readTree(InventoryWriter.graftYaml(booted))
            .get("kubernetesVersion")
            .asText());
    assertTrue(InventoryWriter.kubesprayIni(booted).contains("\nkube_version=v1.30.2\n"));
  }
}
