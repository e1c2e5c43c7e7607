package dev.graft.server.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InventoryValidatorTest {
  /** A resolver that knows exactly the names it is given: no DNS in tests. */
  static HostResolver knows(String... names) {
    Set<String> known = Set.of(names);
    return (Collection<String> hosts) ->
        hosts.stream().filter(h -> !known.contains(h)).collect(Collectors.toSet());
  }

  static final InventoryValidator VALIDATOR = new InventoryValidator(knows("bastion.lab"), true);

  static List<String> problems(String graftYaml) {
    ImportedInventory inv = Inventories.importText("c.yaml", graftYaml, null);
    InventoryException e = assertThrows(InventoryException.class, () -> VALIDATOR.validate(inv));
    return e.errors().stream().map(InventoryError::toString).toList();
  }

  static String cluster(String... nodeLines) {
    return "apiVersion: graft.dev/v1\nkind: Cluster\nname: lab\nnodes:\n"
        + String.join("\n", nodeLines)
        + "\n";
  }

  @Test
  void theSeedsAndExamplesPassValidation() {
    for (String seed :
        List.of(
            "002-kubespray-final.ini",
            "002-kubespray-step1-worker.ini",
            "000-metalk8s-nodes.yaml")) {
      new InventoryValidator(knows(), false).validate(Seeds.importSeed(seed));
    }
  }

  @ParameterizedTest(name = "node name \"{0}\" is refused")
  @ValueSource(strings = {"a;rm -rf /", "Node1", "-n", "n_1", "n..1", "$(reboot)"})
  void nodeNamesMustBeDns1123(String name) {
    List<String> p =
        problems(
            cluster(
                "  - {name: '"
                    + name
                    + "', address: 10.0.0.1, roles:"
                    + " [control-plane, etcd]}"));
    assertTrue(
        p.stream()
            .anyMatch(
                s ->
                    s.startsWith(
                        "c.yaml:5: field nodes[0].name: \""
                            + name
                            + "\" is not a valid node name")),
        p.toString());
  }

  @ParameterizedTest(name = "address \"{0}\" is refused")
  @ValueSource(strings = {"10.0.0.1;id", "10.0.0.256", "-oProxyCommand=x", "host name", "10.1"})
  void addressesMustBeIpsOrHostNames(String address) {
    List<String> p =
        problems(
            cluster(
                "  - {name: n1, address: '" + address + "', roles:" + " [control-plane, etcd]}"));
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).contains("field nodes[0].address"), p.toString());
  }

  @Test
  void hostNamesMustResolveThroughTheInjectedResolver() {
    List<String> p =
        problems(
            cluster(
                "  - {name: n1, address: bastion.lab, roles: [control-plane, etcd]}",
                "  - {name: n2, address: nowhere.lab, roles: [worker]}"));
    assertEquals(List.of("c.yaml:6: field address: host name \"nowhere.lab\" does not resolve"), p);
  }

  @Test
  void duplicatesOfNamesAndAddressesAreRefused() {
    List<String> p =
        problems(
            cluster(
                "  - {name: n1, address: 10.0.0.1, roles: [control-plane, etcd]}",
                "  - {name: n1, address: 10.0.0.2, roles: [worker]}",
                "  - {name: n3, address: 10.0.0.1, roles: [worker]}"));
    assertEquals(
        List.of(
            "c.yaml:6: field nodes[1].name: node n1 is defined twice",
            "c.yaml:7: field nodes[2].address: address 10.0.0.1 is also the address of n1"),
        p);
  }

  @Test
  void keyFilesMustExistAndBeReadable(@TempDir Path dir) throws Exception {
    Path key = Files.writeString(dir.resolve("id_ed25519"), "not really a key");
    List<String> p =
        problems(
            "apiVersion: graft.dev/v1\nkind: Cluster\nname: lab\nssh:\n"
                + "  keyRef: "
                + dir.resolve("missing")
                + "\nnodes:\n"
                + "  - {name: n1, address: 10.0.0.1, roles: [control-plane, etcd], ssh: {keyRef: "
                + key
                + "}}\n"
                + "  - {name: n2, address: 10.0.0.2, roles: [worker]}\n");
    assertEquals(
        List.of(
            "c.yaml:5: field ssh.keyRef: SSH key "
                + dir.resolve("missing")
                + " does not exist (or is not a file)"),
        p);
  }

  @Test
  void podCidrsLieInsideTheNetworkAndDoNotOverlap() {
    List<String> p =
        problems(
            "apiVersion: graft.dev/v1\nkind: Cluster\nname: lab\n"
                + "podNetwork: {cidr: 10.244.0.0/16, nodeMask: 24}\nnodes:\n"
                + "  - {name: n1, address: 10.0.0.1, roles: [control-plane, etcd], podCidr:"
                + " 10.244.0.0/24}\n"
                + "  - {name: n2, address: 10.0.0.2, roles: [worker], podCidr: 10.244.0.0/23}\n"
                + "  - {name: n3, address: 10.0.0.3, roles: [worker], podCidr: 10.245.0.0/24}\n");
    assertEquals(
        List.of(
            "c.yaml:7: field nodes[1].podCidr: 10.244.0.0/23 overlaps 10.244.0.0/24 of n1",
            "c.yaml:8: field nodes[2].podCidr: 10.245.0.0/24 lies outside the pod network"
                + " 10.244.0.0/16"),
        p);
  }

  @Test
  void anEvenEtcdTargetIsRefusedUnlessTheNamedOverrideAllowsIt() {
    String nodes =
        "  - {name: n1, address: 10.0.0.1, roles: [control-plane, etcd]}\n"
            + "  - {name: n2, address: 10.0.0.2, roles: [control-plane, etcd]}\n";
    List<String> p = problems(cluster(nodes));
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).startsWith("c.yaml:6: field etcd: 2 etcd nodes"), p.toString());
    VALIDATOR.validate(
        Inventories.importText(
            "c.yaml", cluster(nodes) + "overrides: {allowEvenEtcd: true}\n", null));
  }

  @Test
  void allProblemsComeTogetherEachPositioned() {
    List<String> p =
        problems(
            "apiVersion: graft.dev/v1\nkind: Cluster\nname: Lab_1\n"
                + "nodes:\n"
                + "  - {name: 'a;rm -rf /', address: '10.0.0.1', roles: [worker],"
                + " taints: [{key: k, effect: Sometimes}], ssh: {user: 'root;x'}}\n"
                + "  - {name: n2, address: 10.0.0.1, roles: [worker], labels: {'bad key!': v}}\n");
    assertTrue(p.size() >= 6, p.toString());
    assertTrue(p.stream().allMatch(s -> s.matches("c\\.yaml(:\\d+)?: .*")), p.toString());
    assertTrue(
        p.contains(
            "c.yaml:3: field name: cluster name \"Lab_1\" is not a DNS-1123 label"
                + " (lower-case letters, digits and '-', at most 63)"),
        p.toString());
  }
}
