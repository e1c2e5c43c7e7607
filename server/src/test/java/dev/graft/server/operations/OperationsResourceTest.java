package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.VIEWER;
import static dev.graft.server.operations.OperationsFixture.expandBody;
import static dev.graft.server.operations.OperationsFixture.inventory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operations API against an embedded Temporal running fake cluster and expansion workflows. */
class OperationsResourceTest {
  static final OperationsFixture F = new OperationsFixture();

  @BeforeAll
  static void start() throws Exception {
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  private static HttpResponse<String> post(String token, String body) throws Exception {
    return F.call("POST", "/api/v1/operations", token, body);
  }

  private static List<String> ids(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.get("operations").forEach(o -> out.add(o.get("id").asText()));
    return out;
  }

  @Test
  void rejectedSubmissionsLeaveTheConnectionUsableForTheNextRequest() throws Exception {
    // A 401 or 403 answers before the body is read; the client must not reuse a connection the
    // server is about to close (seen once in CI: "HTTP/1.1 header parser received no bytes").
    String[] workers = new String[400];
    for (int w = 0; w < workers.length; w++) {
      workers[w] = "w" + w;
    }
    String body = expandBody("conn", inventory("conn", workers), null);
    for (int i = 0; i < 40; i++) {
      assertEquals(401, post(null, body).statusCode(), "round " + i);
      assertEquals(403, post(VIEWER, body).statusCode(), "round " + i);
    }
  }

  @Test
  void submittingNeedsAnOperatorToken() throws Exception {
    String body = expandBody("r1", inventory("auth", "w1"), null);
    HttpResponse<String> none = post(null, body);
    assertEquals(401, none.statusCode(), none.body());
    HttpResponse<String> viewer = post(VIEWER, body);
    assertEquals(403, viewer.statusCode(), viewer.body());
    assertFalse(ids(F.get("/api/v1/operations")).contains("cluster/auth/expand/r1"));
    assertEquals(401, F.call("GET", "/api/v1/operations", null, null).statusCode());
  }

  @Test
  void badRequestsName400TheFieldAndStartNothing() throws Exception {
    HttpResponse<String> r = post(OPERATOR, "{\"kind\":\"expand\",\"inventory\":{\"text\":\"x\"}}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("requestId", JSON.readTree(r.body()).at("/errors/0/field").asText());

    r = post(OPERATOR, expandBody("r1", inventory("bad", "w1"), "{\"maxParallel\":0}"));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("options.maxParallel", JSON.readTree(r.body()).at("/errors/0/field").asText());

    r = post(OPERATOR, "{\"kind\":\"expand\",\"requestId\":\"r1\",\"colour\":\"blue\"}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("colour", JSON.readTree(r.body()).at("/errors/0/field").asText());

    r = post(OPERATOR, "{\"kind\":\"shrink\",\"requestId\":\"r1\"}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("kind", JSON.readTree(r.body()).at("/errors/0/field").asText());

    r =
        post(
            OPERATOR,
            "{\"kind\":\"expand\",\"requestId\":\"r1\",\"kubeconfig\":\"relative.conf\","
                + "\"inventory\":{\"text\":"
                + JSON.writeValueAsString(inventory("bad", "w1"))
                + "}}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("kubeconfig", JSON.readTree(r.body()).at("/errors/0/field").asText());

    // An inventory error names the file, the line and the field, as POST /api/v1/plans does.
    String broken =
        inventory("bad", "w1")
            .replace("w1 ansible_host=10.0.0.10", "w1 ansible_host=10.0.0.10 ansible_port=abc");
    r = post(OPERATOR, expandBody("r1", broken, null));
    assertEquals(400, r.statusCode(), r.body());
    JsonNode e = JSON.readTree(r.body()).at("/errors/0");
    assertEquals("inventory.ini", e.get("file").asText(), r.body());
    assertEquals(3, e.get("line").asInt(), r.body());
    assertEquals("ansible_port", e.get("field").asText(), r.body());

    assertTrue(ids(F.get("/api/v1/operations?cluster=bad")).isEmpty());
  }

  @Test
  void aRefusedPlanIs422WithItsRefusalsAndStartsNothing() throws Exception {
    // A valid inventory whose pod network has room for two nodes' /24s, not three: refused.
    String inv =
        inventory("even", "w1", "w2")
            .replace(
                "[all:vars]\n",
                "[all:vars]\nkube_pods_subnet=10.233.64.0/23\nkube_network_node_prefix=24\n");
    HttpResponse<String> r = post(OPERATOR, expandBody("r1", inv, null));
    assertEquals(422, r.statusCode(), r.body());
    JsonNode body = JSON.readTree(r.body());
    assertTrue(body.get("refusals").size() > 0, r.body());
    assertTrue(body.get("error").asText().contains("nothing was started"), r.body());
    assertTrue(ids(F.get("/api/v1/operations?cluster=even")).isEmpty());
  }

  @Test
  void acceptedWith202AndLocationAndTheSameRequestIdIsTheSameOperation() throws Exception {
    String body = expandBody("first", inventory("idem", "w1", "w2"), null);
    HttpResponse<String> r = post(OPERATOR, body);
    assertEquals(202, r.statusCode(), r.body());
    String id = "cluster/idem/expand/first";
    assertEquals(
        "/api/v1/operations/" + id,
        r.headers().firstValue("Location").orElse("").replaceFirst("^https?://[^/]+", ""));
    assertEquals(id, JSON.readTree(r.body()).get("id").asText());

    HttpResponse<String> again = post(OPERATOR, body);
    assertEquals(202, again.statusCode(), again.body());
    assertEquals(id, JSON.readTree(again.body()).get("id").asText());

    JsonNode done = F.await(id, d -> "done".equals(d.get("state").asText()));
    assertEquals("otto", done.get("requestedBy").asText());
    assertEquals(2, done.get("children").size(), done.toString());
    for (JsonNode child : done.get("children")) {
      assertEquals(4, child.get("steps").size(), child.toString());
      child
          .get("steps")
          .forEach(s -> assertEquals("succeeded", s.get("state").asText(), s.toString()));
    }
    assertEquals("idem", done.at("/plan/clusterName").asText());
    assertEquals("completed", done.at("/result/outcome").asText());

    // Listed once, although submitted twice.
    List<String> listed = ids(F.get("/api/v1/operations"));
    assertEquals(1, listed.stream().filter(id::equals).count(), listed.toString());
    assertEquals("open-closed", F.get("/api/v1/operations").get("source").asText());
  }

  @Test
  void aStepThatNeedsAttentionIsRetriedByAnOperatorAndTheHistoryNamesThem() throws Exception {
    FakeWorkflows.failTimes("n2", "join", 1);
    String id = "cluster/attn/expand/r1";
    assertEquals(
        202, post(OPERATOR, expandBody("r1", inventory("attn", "n1", "n2"), null)).statusCode());
    JsonNode stuck = F.await(id, d -> "needs-attention".equals(d.get("state").asText()));
    assertTrue(
        stuck.get("next").toString().contains("graft retry " + id + " --node n2 --step join"),
        stuck.toString());

    assertEquals(
        401,
        F.call("POST", "/api/v1/operations/" + id + "/retry?node=n2", null, null).statusCode());
    assertEquals(
        403,
        F.call("POST", "/api/v1/operations/" + id + "/retry?node=n2", VIEWER, null).statusCode());
    HttpResponse<String> skip =
        F.call("POST", "/api/v1/operations/" + id + "/skip?node=n2", OPERATOR, null);
    assertEquals(409, skip.statusCode(), skip.body());
    assertTrue(skip.body().contains("cannot be skipped"), skip.body());
    HttpResponse<String> wrongNode =
        F.call("POST", "/api/v1/operations/" + id + "/retry?node=zz", OPERATOR, null);
    assertEquals(400, wrongNode.statusCode(), wrongNode.body());

    // No node named: the one child that waits gets the decision.
    HttpResponse<String> retry =
        F.call(
            "POST", "/api/v1/operations/" + id + "/retry?reason=flaky%20network", OPERATOR, null);
    assertEquals(200, retry.statusCode(), retry.body());
    JsonNode sent = JSON.readTree(retry.body());
    assertEquals(id + "/node/n2", sent.get("workflowId").asText());
    assertEquals("otto", sent.at("/action/actor").asText());
    F.await(id, d -> "done".equals(d.get("state").asText()));

    JsonNode history = F.get("/api/v1/operations/" + id + "/history");
    JsonNode decision = null;
    boolean failedAttempt = false;
    boolean laterSuccess = false;
    boolean submitted = false;
    for (JsonNode e : history.get("entries")) {
      String kind = e.get("kind").asText();
      if ("decision".equals(kind)) {
        decision = e;
      }
      if ("activity".equals(kind)
          && "n2".equals(e.path("node").asText())
          && "FakeRun".equals(e.path("step").asText())) {
        failedAttempt |=
            "failed".equals(e.get("outcome").asText())
                && e.get("detail").asText().contains("join failed on n2");
        laterSuccess |= failedAttempt && "completed".equals(e.get("outcome").asText());
      }
      submitted |= "submitted".equals(kind) && "otto".equals(e.path("actor").asText());
    }
    assertTrue(submitted, history.toString());
    assertTrue(failedAttempt && laterSuccess, history.toString());
    assertTrue(decision != null, history.toString());
    assertEquals("otto", decision.get("actor").asText());
    assertEquals("retry", decision.get("decision").asText());
    assertEquals("join", decision.get("stepId").asText());
    assertEquals("flaky network", decision.get("reason").asText());
    assertEquals(id + "/node/n2", decision.get("workflowId").asText());
    assertTrue(decision.get("atMillis").asLong() > 0);
  }

  @Test
  void anApprovalGateWaitsForAnOperator() throws Exception {
    String id = "cluster/gate/expand/r1";
    assertEquals(
        202,
        post(OPERATOR, expandBody("r1", inventory("gate", "g1"), "{\"requireApproval\":true}"))
            .statusCode());
    JsonNode waiting = F.await(id, d -> "waiting-approval".equals(d.get("state").asText()));
    assertTrue(waiting.get("next").toString().contains("graft approve " + id), waiting.toString());
    HttpResponse<String> ok =
        F.call("POST", "/api/v1/operations/" + id + "/approve", OPERATOR, null);
    assertEquals(200, ok.statusCode(), ok.body());
    JsonNode done = F.await(id, d -> "done".equals(d.get("state").asText()));
    assertTrue(
        done.get("steps").get(0).get("summary").asText().contains("approved by otto"),
        done.toString());
    HttpResponse<String> late =
        F.call("POST", "/api/v1/operations/" + id + "/approve", OPERATOR, null);
    assertEquals(409, late.statusCode(), late.body());
  }

  @Test
  void unknownOperationsAre404() throws Exception {
    assertEquals(
        404, F.call("GET", "/api/v1/operations/cluster/nope/expand/r9", VIEWER, null).statusCode());
    assertEquals(
        404,
        F.call("GET", "/api/v1/operations/cluster/nope/expand/r9/history", VIEWER, null)
            .statusCode());
  }
}
