package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.VIEWER;
import static dev.graft.server.operations.OperationsFixture.inventory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/operations} with kind "upgrade": the request checked field by field, the
 * cluster's versions read through the kubeconfig (the fabric8 mock server), the upgrade planner's
 * refusals as a 422 naming node and fix, and an accepted upgrade run by the fake UpgradeWorkflow
 * through the cluster workflow, its nodes as children "node/<name>".
 */
@EnableKubernetesMockClient(crud = true)
class OperationsUpgradeTest {
  static final OperationsFixture F = new OperationsFixture();
  KubernetesClient client;
  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  static String body(
      String requestId, String inventory, Path kubeconfig, String upgrade, String options)
      throws Exception {
    return "{\"kind\":\"upgrade\",\"requestId\":\""
        + requestId
        + "\""
        + (kubeconfig == null ? "" : ",\"kubeconfig\":\"" + kubeconfig + "\"")
        + ",\"inventory\":{\"text\":"
        + JSON.writeValueAsString(inventory)
        + ",\"file\":\"inventory.ini\"}"
        + (upgrade == null ? "" : ",\"upgrade\":" + upgrade)
        + (options == null ? "" : ",\"options\":" + options)
        + "}";
  }

  private Path cluster(String w2Kubelet) throws Exception {
    UpgradeClusters.kubeadmConfig(client, "v1.30.2");
    UpgradeClusters.node(client, "cp1", true, "v1.30.2", true);
    UpgradeClusters.node(client, "w1", false, "v1.30.2", true);
    UpgradeClusters.node(client, "w2", false, w2Kubelet, true);
    return UpgradeClusters.kubeconfig(client, Files.createTempDirectory(F.dir, "kube"));
  }

  private static JsonNode field400(HttpResponse<String> r) throws Exception {
    assertEquals(400, r.statusCode(), r.body());
    return JSON.readTree(r.body()).at("/errors/0");
  }

  @Test
  void badUpgradeRequestsAre400NamingTheField() throws Exception {
    Path kubeconfig = cluster("v1.30.2");
    String inv = inventory("bad", "w1", "w2");
    record Case(String upgrade, String options, String field, String says) {}
    List<Case> cases =
        List.of(
            new Case(null, null, "upgrade", "is required"),
            new Case("{}", null, "upgrade.to", "is required"),
            new Case("{\"to\":\"1.31\"}", null, "upgrade.to", "vMAJOR.MINOR.PATCH"),
            new Case(
                "{\"to\":\"v1.31.0\",\"maxUnavailable\":\"0%\"}",
                null, "upgrade.maxUnavailable", "percentage"),
            new Case(
                "{\"to\":\"v1.31.0\",\"maxUnavailable\":\"two\"}",
                null,
                "upgrade.maxUnavailable",
                "count"),
            new Case(
                "{\"to\":\"v1.31.0\",\"drainTimeout\":\"5 years\"}",
                null,
                "upgrade.drainTimeout",
                "10s and 24h"),
            new Case(
                "{\"to\":\"v1.31.0\",\"drainTimeout\":\"1s\"}",
                null,
                "upgrade.drainTimeout",
                "10s and 24h"),
            new Case(
                "{\"to\":\"v1.31.0\",\"colour\":\"red\"}",
                null,
                "upgrade.colour",
                "not a known field"),
            new Case(
                "{\"to\":\"v1.31.0\"}",
                "{\"maxParallel\":3}",
                "options.maxParallel",
                "upgrade.maxUnavailable"));
    List<String> wrong = new ArrayList<>();
    for (Case c : cases) {
      JsonNode e =
          field400(
              F.call(
                  "POST",
                  "/api/v1/operations",
                  OPERATOR,
                  body("r1", inv, kubeconfig, c.upgrade(), c.options())));
      if (!c.field().equals(e.path("field").asText())
          || !e.path("message").asText().contains(c.says())) {
        wrong.add(c + " -> " + e);
      }
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    JsonNode noKube =
        field400(
            F.call(
                "POST",
                "/api/v1/operations",
                OPERATOR,
                body("r1", inv, null, "{\"to\":\"v1.31.0\"}", null)));
    assertEquals("kubeconfig", noKube.get("field").asText());
    JsonNode onExpand =
        field400(
            F.call(
                "POST",
                "/api/v1/operations",
                OPERATOR,
                body("r1", inv, kubeconfig, "{\"to\":\"v1.31.0\"}", null)
                    .replace("\"kind\":\"upgrade\"", "\"kind\":\"expand\"")));
    assertEquals("upgrade", onExpand.get("field").asText());
    // Nothing started: the cluster has no operation.
    assertEquals(
        404, F.call("GET", "/api/v1/operations/cluster/bad/upgrade/r1", VIEWER, null).statusCode());
  }

  @Test
  void aKubeletTooFarBehindIsRefusedWith422NamingTheNodeAndTheFix() throws Exception {
    Path kubeconfig = cluster("v1.27.3");
    HttpResponse<String> r =
        F.call(
            "POST",
            "/api/v1/operations",
            OPERATOR,
            body("r1", inventory("skew", "w1", "w2"), kubeconfig, "{\"to\":\"v1.31.0\"}", null));
    assertEquals(422, r.statusCode(), r.body());
    JsonNode b = JSON.readTree(r.body());
    JsonNode refusal = b.at("/refusals/0");
    assertEquals("KubeletSkewTooLarge", refusal.get("code").asText(), r.body());
    assertEquals("w2", refusal.get("node").asText(), r.body());
    assertTrue(refusal.get("message").asText().contains("upgrade it to at least v1.28"), r.body());
    assertTrue(b.get("error").asText().contains("w2:"), r.body());
    assertEquals("v1.30.2", b.at("/upgrade/from").asText(), r.body());
    assertEquals(
        404,
        F.call("GET", "/api/v1/operations/cluster/skew/upgrade/r1", VIEWER, null).statusCode());
  }

  @Test
  void anAcceptedUpgradeIs202WithLocationRunsNodeByNodeAndARetriedPostStartsNothing()
      throws Exception {
    Path kubeconfig = cluster("v1.31.0"); // w2 is already at the target
    String body =
        body(
            "r1",
            inventory("up", "w1", "w2"),
            kubeconfig,
            "{\"to\":\"v1.31.0\",\"maxUnavailable\":\"50%\",\"drainTimeout\":\"90s\"}",
            null);
    HttpResponse<String> r = F.call("POST", "/api/v1/operations", OPERATOR, body);
    assertEquals(202, r.statusCode(), r.body());
    String id = "cluster/up/upgrade/r1";
    assertEquals(
        "/api/v1/operations/" + id,
        r.headers().firstValue("Location").orElseThrow().replaceFirst("^https?://[^/]+", ""));
    JsonNode accepted = JSON.readTree(r.body());
    assertEquals(id, accepted.get("id").asText());
    assertFalse(accepted.get("existing").asBoolean());
    assertEquals("v1.30.2", accepted.at("/upgrade/from").asText());
    assertEquals("v1.31.0", accepted.at("/upgrade/to").asText());
    assertEquals("cp1", accepted.at("/upgrade/controlPlanes/0/node/name").asText());
    assertTrue(accepted.at("/upgrade/controlPlanes/0/first").asBoolean());
    assertEquals(1, accepted.at("/upgrade/maxUnavailable").asInt(), "50% of 2 workers");
    assertEquals(2, accepted.at("/upgrade/workerBatches").size());

    JsonNode done = F.await(id, d -> "done".equals(d.path("state").asText()));
    assertEquals("upgrade", done.get("kind").asText());
    assertEquals("up", done.get("cluster").asText());
    assertTrue(done.get("plan").isNull(), done.toString());
    assertEquals("v1.31.0", done.at("/upgrade/to").asText());
    assertEquals(
        List.of("node/cp1", "node/w1", "node/w2"),
        JSON.convertValue(done.get("children").findValues("key"), List.class).stream()
            .map(Object::toString)
            .sorted()
            .toList());
    JsonNode w1 = null;
    for (JsonNode c : done.get("children")) {
      if (c.get("key").asText().equals("node/w1")) {
        w1 = c;
      }
    }
    assertEquals(id + "/node/w1", w1.get("workflowId").asText());
    assertEquals(
        List.of("check", "kubeadm-package", "kubeadm-upgrade", "drain", "kubelet-package", "ready"),
        w1.get("steps").findValues("id").stream().map(JsonNode::asText).toList());
    assertTrue(
        done.at("/result/nodes").toString().contains("\"already-upgraded\""), done.toString());

    HttpResponse<String> again = F.call("POST", "/api/v1/operations", OPERATOR, body);
    assertEquals(202, again.statusCode(), again.body());
    assertTrue(JSON.readTree(again.body()).get("existing").asBoolean(), again.body());
    JsonNode list = F.get("/api/v1/operations?cluster=up");
    assertEquals(1, list.get("operations").size(), list.toString());
    assertEquals("upgrade", list.at("/operations/0/kind").asText());
  }

  @Test
  void thePlansEndpointAnswersAnUpgradePlanToOperators() throws Exception {
    Path kubeconfig = cluster("v1.30.2");
    String body =
        "{\"inventory\":{\"text\":"
            + JSON.writeValueAsString(inventory("planned", "w1", "w2"))
            + ",\"format\":\"kubespray-ini\"},\"kubeconfig\":\""
            + kubeconfig
            + "\",\"upgrade\":{\"to\":\"v1.31.0\",\"maxUnavailable\":\"2\"}}";
    HttpResponse<String> r = F.call("POST", "/api/v1/plans", OPERATOR, body);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode plan = JSON.readTree(r.body());
    assertEquals("v1.30.2", plan.get("from").asText());
    assertEquals(1, plan.get("workerBatches").size(), r.body());
    assertEquals("cp1", plan.get("snapshotNode").asText(), r.body());
    assertEquals(403, F.call("POST", "/api/v1/plans", VIEWER, body).statusCode());
    JsonNode bad =
        field400(
            F.call("POST", "/api/v1/plans", OPERATOR, body.replace("\"v1.31.0\"", "\"latest\"")));
    assertEquals("upgrade.to", bad.get("field").asText());
  }
}
