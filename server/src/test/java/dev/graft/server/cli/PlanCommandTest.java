package dev.graft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.inventory.HostResolver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
  static final HostResolver NO_DNS = hosts -> Set.of();
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String inventory, String output, String observed, boolean assumeEmpty) {
    return run(inventory, output, observed, assumeEmpty, true);
  }

  int run(
      String inventory, String output, String observed, boolean assumeEmpty, boolean checkFiles) {
    return PlanCommand.execute(
        inventory,
        output,
        observed,
        assumeEmpty,
        null,
        5,
        checkFiles,
        NO_DNS,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsAPlanLikeTerraformAndExitsZero() {
    int code =
        run("../config/examples/inventory.ini", "text", "../config/examples/observed.yaml", false);
    String text = out();
    assertEquals(0, code, text + err);
    assertTrue(text.contains("Graft will add 3 node(s):"), text);
    assertTrue(text.contains("+ k8s-node2"), text);
    assertTrue(text.contains("2. Control plane and etcd (one at a time)"), text);
    assertTrue(text.contains("quorum: 1 -> 2 members, needs 2, tolerates 0 failure(s)"), text);
    assertTrue(text.contains("! etcd 1 -> 2 members"), text);
    // The workers' heading says how many join and how many at once (--max-parallel, default 5).
    assertTrue(text.contains("(1 worker(s), up to 5 at once)"), text);
    assertTrue(
        text.contains(
            "Plan: 3 to add (2 control-plane/etcd, 1 worker), 0 to change," + " 0 to remove."),
        text);
  }

  @Test
  void jsonOutputIsThePlan() throws Exception {
    assertEquals(
        0, run("../config/examples/graft.yaml", "json", "../config/examples/observed.yaml", false));
    JsonNode plan = new ObjectMapper().readTree(out());
    assertEquals("k8s-dev-cluster", plan.get("clusterName").asText());
    assertEquals(false, plan.get("refused").asBoolean());
    assertEquals("CONTROL_PLANE_AND_ETCD", plan.get("phases").get(1).get("kind").asText());
    assertEquals("control-plane", plan.get("additions").get(0).get("roles").get(0).asText());
  }

  @Test
  void assumeEmptyTakesTheFirstControlPlaneNodeAsBootstrapped() {
    // The example's key lives on a MetalK8s bootstrap node, not here.
    assertEquals(1, run("../config/examples/metalk8s-nodes.yaml", "text", null, true));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains(
                "metalk8s-nodes.yaml:9: field"
                    + " metadata.annotations.metalk8s.scality.com/ssh-key-path: SSH key"
                    + " /etc/metalk8s/pki/salt-bootstrap does not exist"),
        err.toString());
    assertEquals(
        0, run("../config/examples/metalk8s-nodes.yaml", "text", null, true, false), out() + err);
    assertTrue(out().contains("observed:  --assume-empty: 1 node(s), 1 etcd member(s)"), out());
    assertTrue(out().contains("+ node2"), out());
  }

  @Test
  void aRefusedPlanExitsOne(@TempDir Path dir) throws Exception {
    Path inv =
        Files.writeString(
            dir.resolve("c.yaml"),
            String.join(
                "\n",
                "apiVersion: graft.dev/v1",
                "kind: Cluster",
                "name: lab",
                "overrides: {allowEvenEtcd: true}",
                "etcd: {topology: external}",
                "nodes:",
                "  - {name: n1, address: 10.0.0.1, roles: [control-plane, etcd]}",
                "  - {name: n2, address: 10.0.0.2, roles: [etcd]}"));
    Path observed =
        Files.writeString(
            dir.resolve("o.yaml"),
            String.join(
                "\n",
                "nodes: [{name: n1, roles: [control-plane], podCidr: 10.244.0.0/24}]",
                "etcdMembers: [{name: n1, healthy: false}]"));
    assertEquals(1, run(inv.toString(), "text", observed.toString(), false));
    assertTrue(out().contains("Plan REFUSED"), out());
    assertTrue(out().contains("x n1: is unhealthy"), out());
  }

  @Test
  void anInvalidInventoryExitsOneWithPositionedErrors(@TempDir Path dir) throws Exception {
    Path inv =
        Files.writeString(
            dir.resolve("inventory.ini"),
            String.join(
                "\n",
                "[kube_control_plane]",
                "a;rm ansible_host=10.0.0.1",
                "[etcd]",
                "a;rm",
                "[kube_node]",
                "w1 ansible_host=10.0.0.2 ansible_port=abc"));
    assertEquals(1, run(inv.toString(), "text", null, true));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains(inv + ":6: field ansible_port: \"abc\" is not a port number"), e);
    assertEquals("", out());
  }
}
