package dev.graft.server.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.server.cli.PlanCommandAccess;
import dev.graft.workflows.plan.ExpansionPlan;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The demo's expansion end to end through REST: Graft in dev mode (embedded Temporal, the real
 * worker and workflows) with bearer tokens, the lab's existing cluster read through its admin
 * kubeconfig, approval by an operator, and then the cluster itself checked (Nodes, etcd members,
 * routes) and the audit trail read back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpansionRestLabTest {
  private static final String VIEWER = LabGraft.VIEWER;
  private static final String OPERATOR = LabGraft.OPERATOR;
  private static final ObjectMapper JSON = LabGraft.JSON;
  private static final Pattern BOOTSTRAP_TOKEN = LabGraft.BOOTSTRAP_TOKEN;
  private LabGraft graft;
  private LabCluster cluster;

  @BeforeAll
  void up() throws Exception {
    graft = LabGraft.up("graft-e2e-rest-");
    cluster = graft.cluster;
  }

  @AfterAll
  void down() throws Exception {
    if (graft != null) {
      graft.close();
    }
  }

  @Test
  void theDemosExpansionThroughRestWithApprovalEndsAsPlannedAndItsAuditTrailSaysWhoDidWhat()
      throws Exception {
    for (String host : cluster.names()) {
      cluster.lab.faults().recordInvocations(host, "kubeadm");
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "expand");
    body.put("requestId", "e2e-rest");
    body.putObject("inventory")
        .put("text", Files.readString(cluster.inventory))
        .put("file", "inventory.ini");
    body.put("kubeconfig", cluster.state.kubeconfig());
    body.putObject("options").put("requireApproval", true).put("maxParallel", 3);

    // The inventory is a kubespray one without graft_cluster_name, graft_api_endpoint or any
    // graft_etcd_* file: the cluster's kubeadm-config names the cluster and its pod network, and
    // etcd is read through host 1 with that node's own certificate.
    String inventoryText = Files.readString(cluster.inventory);
    assertFalse(
        inventoryText.contains("graft_etcd_") || inventoryText.contains("graft_cluster_name"),
        inventoryText);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int planned =
        PlanCommandAccess.execute(
            cluster.inventory.toString(),
            "json",
            cluster.state.kubeconfig(),
            3,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String cliPlan = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, planned, cliPlan + err.toString(StandardCharsets.UTF_8));
    JsonNode plan = JSON.readTree(cliPlan);
    assertEquals("lab", plan.get("clusterName").asText(), "named as kubeadm-config names it");
    assertTrue(
        plan.get("notes").toString().contains("kubeadm-config clusterName"),
        plan.get("notes").toString());
    for (JsonNode a : plan.get("additions")) {
      assertTrue(
          a.get("podCidr").asText().startsWith("10.244."),
          "inside kubeadm-config's podSubnet: " + a);
    }
    assertEquals(1, plan.get("etcdMembersBefore").asInt(), "etcd read through host 1: " + plan);
    assertEquals(3, plan.get("etcdMembersAfter").asInt(), plan.toString());

    assertEquals(
        403, graft.send("POST", "/api/v1/operations", VIEWER, body.toString()).statusCode());
    HttpResponse<String> accepted =
        graft.send("POST", "/api/v1/operations", OPERATOR, body.toString());
    assertEquals(202, accepted.statusCode(), accepted.body());
    String id = JSON.readTree(accepted.body()).get("id").asText();
    assertEquals("cluster/lab/expand/e2e-rest", id);
    assertEquals(
        graft.base() + "/api/v1/operations/" + id,
        accepted.headers().firstValue("Location").orElseThrow());
    // A retried POST (same requestId) is the same operation and starts nothing.
    HttpResponse<String> again =
        graft.send("POST", "/api/v1/operations", OPERATOR, body.toString());
    assertEquals(202, again.statusCode(), again.body());
    assertTrue(JSON.readTree(again.body()).get("existing").asBoolean(), again.body());

    JsonNode parked = graft.await(id, "waiting-approval", Duration.ofMinutes(2));
    // What the SRE approves is what runs: `graft plan -o json` with the same inventory and
    // kubeconfig prints, byte for byte, the plan the operation stored.
    assertEquals(
        PlanCommandAccess.json(JSON.treeToValue(parked.get("plan"), ExpansionPlan.class)).strip(),
        cliPlan.strip());
    assertTrue(
        parked.toString().contains("precheck/" + cluster.names().get(1)),
        "pre-checks ran before the gate");
    assertTrue(
        cluster.mutations("kubeadm").isEmpty(),
        "nothing changed before the approval: " + cluster.mutations("kubeadm"));
    assertEquals(
        403, graft.send("POST", "/api/v1/operations/" + id + "/approve", VIEWER, "").statusCode());
    HttpResponse<String> approved =
        graft.send(
            "POST", "/api/v1/operations/" + id + "/approve?reason=change-4711", OPERATOR, "");
    assertEquals(200, approved.statusCode(), approved.body());

    JsonNode done = graft.await(id, "done", Duration.ofMinutes(6));
    JsonNode total = done.at("/result/total");
    assertEquals(0, total.get("failed").asInt(), done.toString());
    assertEquals(5, done.at("/result/nodes").size());
    for (JsonNode n : done.at("/result/nodes")) {
      assertEquals("joined", n.get("outcome").asText(), n.toString());
    }
    List<String> verified = new ArrayList<>();
    for (JsonNode s : done.get("steps")) {
      if (s.get("id").asText().startsWith("verify/")) {
        assertEquals("succeeded", s.get("state").asText(), s.toString());
        verified.add(s.get("id").asText() + ": " + s.get("summary").asText());
      }
    }
    assertEquals(2, verified.size(), verified.toString());
    System.out.println(
        "e2e REST expansion: "
            + String.join("; ", verified)
            + "; took "
            + done.at("/result/durationMillis").asLong() / 1000.0
            + " s");

    cluster.assertExpanded();
    // kubeadm join ran once on each new host, and nowhere else.
    List<String> joins =
        cluster.mutations("kubeadm").stream().filter(m -> m.contains(": join")).toList();
    assertEquals(5, joins.size(), joins.toString());
    for (String host : cluster.names().subList(1, 6)) {
      assertEquals(
          1, joins.stream().filter(j -> j.startsWith(host + ": ")).count(), host + ": " + joins);
    }

    HttpResponse<String> history =
        graft.send("GET", "/api/v1/operations/" + id + "/history", VIEWER, null);
    assertEquals(200, history.statusCode(), history.body());
    Files.writeString(
        cluster.work.getParent().resolve("graft-e2e-rest-history.json"), history.body());
    JsonNode entries = JSON.readTree(history.body()).path("entries");
    assertTrue(entries.size() > 50, "an entry per step attempt: " + entries.size());
    JsonNode submitted = LabGraft.find(entries, e -> "submitted".equals(e.path("kind").asText()));
    assertEquals("otto", submitted.path("actor").asText(), submitted.toString());
    JsonNode approval = LabGraft.find(entries, e -> "decision".equals(e.path("kind").asText()));
    assertEquals("otto", approval.path("actor").asText(), approval.toString());
    assertTrue(
        approval.toString().contains("approve") && approval.toString().contains("change-4711"),
        approval.toString());
    assertTrue(approval.path("atMillis").asLong() > 0, approval.toString());
    for (String host : cluster.names().subList(1, 6)) {
      JsonNode join =
          LabGraft.find(
              entries,
              e ->
                  "activity".equals(e.path("kind").asText())
                      && host.equals(e.path("node").asText())
                      && e.path("step").asText().toLowerCase().contains("join")
                      && "completed".equals(e.path("outcome").asText()));
      assertTrue(
          join.path("attempt").asInt() >= 1 && join.hasNonNull("startedAtMillis"), join.toString());
    }
    // Secrets are references: no bootstrap token, certificate key or private key in the trail.
    assertFalse(
        BOOTSTRAP_TOKEN.matcher(history.body()).find(), "a bootstrap token in the audit trail");
    assertFalse(history.body().contains("PRIVATE KEY"), "a private key in the audit trail");
  }
}
