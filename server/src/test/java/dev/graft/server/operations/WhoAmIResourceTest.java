package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.VIEWER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /api/v1/whoami, which the web UI asks before it shows (or hides) the action buttons. */
class WhoAmIResourceTest {
  static final OperationsFixture F = new OperationsFixture();

  @BeforeAll
  static void start() throws Exception {
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  private static JsonNode whoami(String token) throws Exception {
    HttpResponse<String> r = F.call("GET", "/api/v1/whoami", token, null);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void aViewerIsToldItsNameAndThatItCannotAct() throws Exception {
    JsonNode w = whoami(VIEWER);
    assertEquals("vera", w.get("name").asText());
    assertEquals("viewer", w.get("role").asText());
    assertFalse(w.get("canAct").asBoolean());
    assertFalse(w.get("anonymous").asBoolean());
  }

  @Test
  void anOperatorCanAct() throws Exception {
    JsonNode w = whoami(OPERATOR);
    assertEquals("otto", w.get("name").asText());
    assertEquals("operator", w.get("role").asText());
    assertTrue(w.get("canAct").asBoolean());
  }

  @Test
  void withoutATokenOrWithAWrongOneIt401s() throws Exception {
    assertEquals(401, F.call("GET", "/api/v1/whoami", null, null).statusCode());
    assertEquals(401, F.call("GET", "/api/v1/whoami", "graft_wrong", null).statusCode());
  }

  @Test
  void infoSaysWhetherATemporalUiIsConfigured() throws Exception {
    JsonNode info = F.get("/api/v1/info");
    assertTrue(info.has("temporalUiUrl"), info.toString());
    assertTrue(info.get("temporalUiUrl").isNull(), "none configured: " + info);
  }
}
