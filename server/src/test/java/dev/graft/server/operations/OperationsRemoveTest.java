package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.VIEWER;
import static dev.graft.server.operations.OperationsFixture.inventory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/operations} with kind "remove": the remove section checked field by field
 * before anything is read (a node name such as {@code a;rm -rf /} is a 400 naming {@code
 * remove.nodes[0]}), and nothing started. (A refused plan, 422 with the projection, needs etcd and
 * is covered by RemovalPlannerTest and the lab.)
 */
class OperationsRemoveTest {
  static final OperationsFixture F = new OperationsFixture();

  @BeforeAll
  static void start() throws Exception {
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  static String body(
      String kind, String requestId, String inventory, Path kubeconfig, String remove)
      throws Exception {
    return "{\"kind\":\""
        + kind
        + "\",\"requestId\":\""
        + requestId
        + "\""
        + (kubeconfig == null ? "" : ",\"kubeconfig\":\"" + kubeconfig + "\"")
        + ",\"inventory\":{\"text\":"
        + JSON.writeValueAsString(inventory)
        + ",\"file\":\"inventory.ini\"}"
        + (remove == null ? "" : ",\"remove\":" + remove)
        + "}";
  }

  private static JsonNode field400(HttpResponse<String> r) {
    assertEquals(400, r.statusCode(), r.body());
    try {
      return JSON.readTree(r.body()).at("/errors/0");
    } catch (Exception e) {
      throw new AssertionError(r.body(), e);
    }
  }

  @Test
  void badRemovalRequestsAre400NamingTheFieldAndStartNothing() throws Exception {
    Path kubeconfig =
        Files.writeString(Files.createTempDirectory(F.dir, "kube").resolve("admin.conf"), "x");
    String inv = inventory("gone", "w1", "w2");
    record Case(String remove, String field, String says) {}
    List<Case> cases =
        List.of(
            new Case(null, "remove", "is required"),
            new Case("{}", "remove.nodes", "is required"),
            new Case("{\"nodes\":[]}", "remove.nodes", "is required"),
            new Case("{\"nodes\":[\"a;rm -rf /\"]}", "remove.nodes[0]", "is not a node name"),
            new Case("{\"nodes\":[\"w1\",\"$(reboot)\"]}", "remove.nodes[1]", "is not a node name"),
            new Case("{\"nodes\":[\"w1\",\"w1\"]}", "remove.nodes[1]", "named twice"),
            new Case(
                "{\"nodes\":[\"w1\"],\"drainTimeout\":\"1s\"}",
                "remove.drainTimeout",
                "10s and 24h"),
            new Case(
                "{\"nodes\":[\"w1\"],\"unreachable\":\"yes\"}",
                "remove.unreachable",
                "true or false"),
            new Case("{\"nodes\":\"w1\"}", "remove.nodes", "an array"),
            new Case("{\"nodes\":[\"w1\"],\"force\":true}", "remove.force", "not a known field"),
            new Case(
                "{\"nodes\":[\"w1\"],\"acceptNoFaultTolerance\":\"yes\"}",
                "remove.acceptNoFaultTolerance",
                "true or false"),
            // graft replace --node OLD --with NEW: one node, a node name, not itself, no override
            new Case(
                "{\"nodes\":[\"w1\"],\"with\":\"n;reboot\"}", "remove.with", "is not a node name"),
            new Case(
                "{\"nodes\":[\"w1\",\"w2\"],\"with\":\"cp4\"}", "remove.nodes", "exactly one node"),
            new Case(
                "{\"nodes\":[\"w1\"],\"with\":\"w1\"}", "remove.with", "the node it would replace"),
            new Case("{\"cleanOrphans\":true,\"with\":\"cp4\"}", "remove.nodes", "is required"),
            new Case(
                "{\"nodes\":[\"w1\"],\"with\":\"cp4\",\"acceptNoFaultTolerance\":true}",
                "remove.acceptNoFaultTolerance",
                "never needs it"));
    List<String> wrong = new ArrayList<>();
    for (Case c : cases) {
      JsonNode e =
          field400(
              F.call(
                  "POST",
                  "/api/v1/operations",
                  OPERATOR,
                  body("remove", "r1", inv, kubeconfig, c.remove())));
      if (!c.field().equals(e.path("field").asText())
          || !e.path("message").asText().contains(c.says())) {
        wrong.add(c + " -> " + e);
      }
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    assertEquals(
        "requestId",
        field400(
                F.call(
                    "POST",
                    "/api/v1/operations",
                    OPERATOR,
                    body("remove", "a;b", inv, kubeconfig, "{\"nodes\":[\"w1\"]}")))
            .get("field")
            .asText());
    assertEquals(
        "kubeconfig",
        field400(
                F.call(
                    "POST",
                    "/api/v1/operations",
                    OPERATOR,
                    body("remove", "r1", inv, null, "{\"nodes\":[\"w1\"]}")))
            .get("field")
            .asText());
    assertEquals(
        "remove",
        field400(
                F.call(
                    "POST",
                    "/api/v1/operations",
                    OPERATOR,
                    body("expand", "r1", inv, kubeconfig, "{\"nodes\":[\"w1\"]}")))
            .get("field")
            .asText());
    assertEquals(
        404, F.call("GET", "/api/v1/operations/cluster/gone/remove/r1", VIEWER, null).statusCode());
  }
}
