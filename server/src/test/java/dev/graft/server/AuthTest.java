package dev.graft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.server.auth.TokenAuthenticator;
import io.dropwizard.testing.DropwizardTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens from config (hashes only): 401 without or with a bad token, 403 for a viewer's
 * action.
 */
class AuthTest {
  private static final String VIEWER = "graft_viewer-token-for-tests";
  private static final String OPERATOR = "graft_operator-token-for-tests";
  private static DropwizardTestSupport<GraftConfiguration> app;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path config = Files.createTempFile("graft-auth", ".yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "mode: dev",
            "dev: {temporalPort: 0}",
            "auth:",
            "  tokens:",
            "    - {name: vera, role: viewer, sha256: " + TokenAuthenticator.sha256(VIEWER) + "}",
            "    - {name: otto, role: operator, sha256: "
                + TokenAuthenticator.sha256(OPERATOR)
                + "}",
            "server:",
            "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "logging: {level: WARN}",
            ""));
    app = new DropwizardTestSupport<>(GraftApplication.class, config.toString());
    app.before();
    Files.delete(config);
  }

  @AfterAll
  static void stop() {
    app.after();
  }

  private static HttpResponse<String> call(String method, String path, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getLocalPort() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("Content-Type", "application/json"); // as the CLI sends every POST
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void noTokenIs401WithAJsonReason() throws Exception {
    HttpResponse<String> r = call("GET", "/api/v1/info", null);
    assertEquals(401, r.statusCode());
    assertTrue(r.body().contains("bearer token is required"), r.body());
    assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
  }

  @Test
  void anUnknownTokenIs401() throws Exception {
    assertEquals(401, call("GET", "/api/v1/info", "graft_not-a-token").statusCode());
  }

  @Test
  void aViewerReadsButCannotAct() throws Exception {
    assertEquals(200, call("GET", "/api/v1/info", VIEWER).statusCode());
    assertEquals(403, call("POST", "/api/v1/diagnostics/ping", VIEWER).statusCode());
  }

  @Test
  void anOperatorActs() throws Exception {
    HttpResponse<String> r = call("POST", "/api/v1/diagnostics/ping", OPERATOR);
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void theUiPageNeedsNoToken() throws Exception {
    assertEquals(200, call("GET", "/", null).statusCode());
  }
}
