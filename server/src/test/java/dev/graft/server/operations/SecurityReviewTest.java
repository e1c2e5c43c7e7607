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
import dev.graft.server.GraftApplication;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproductions of the security review of 2026-12 (docs/security.md; D1 to D13), each as a test
 * that now fails to reproduce. The server is as {@code graft dev} runs it: a request without a
 * token acts as operator 'anonymous' (tokens for vera the viewer and otto the operator too).
 * Requests go over java.net.http, or a raw socket where that will not send the attack (a foreign
 * Host header, an endless body).
 */
class SecurityReviewTest {
  static final OperationsFixture F = new OperationsFixture();
  static final String EVIL = "http://evil.example";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    F.anonymousOperator = true;
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  private static HttpResponse<String> send(
      String method, String path, Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(F.url() + path))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> submit(String body, String type) throws Exception {
    return send(
        "POST", "/api/v1/operations", type == null ? Map.of() : Map.of("Content-Type", type), body);
  }

  private static HttpResponse<String> plan(String query, String type, String body, String token)
      throws Exception {
    Map<String, String> h =
        token == null
            ? Map.of("Content-Type", type)
            : Map.of("Content-Type", type, "Authorization", "Bearer " + token);
    return send("POST", "/api/v1/plans" + query, h, body);
  }

  private static boolean exists(String id) throws Exception {
    return send("GET", "/api/v1/operations/" + id, Map.of(), null).statusCode() == 200;
  }

  private static String field(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).at("/errors/0/field").asText();
  }

  // D1: cross-site requests act in graft dev ------------------------------------------------------

  @Test
  void d1_aCrossSiteSubmissionWithoutContentTypeIsRefusedAndStartsNothing() throws Exception {
    String body = expandBody("from-evil-page", inventory("csrf", "n1"), null);
    // What fetch(url, {mode: 'no-cors', body: new Blob([json])}) sends: no Content-Type.
    HttpResponse<String> r =
        send(
            "POST",
            "/api/v1/operations",
            Map.of("Origin", EVIL, "Sec-Fetch-Site", "cross-site"),
            body);
    assertEquals(403, r.statusCode(), r.body());
    // Without Origin (an old browser, a plain tool): still no JSON type, still refused.
    assertEquals(415, submit(body, null).statusCode());
    assertEquals(415, submit(body, "text/plain").statusCode());
    assertEquals(415, submit(body, "application/x-www-form-urlencoded").statusCode());
    assertFalse(exists("cluster/csrf/expand/from-evil-page"));
    // The same page on another port of this host is same-site, not same-origin: refused too.
    assertEquals(
        403,
        send(
                "POST",
                "/api/v1/operations",
                Map.of(
                    "Content-Type",
                    "application/json",
                    "Origin",
                    "http://127.0.0.1:18097",
                    "Sec-Fetch-Site",
                    "same-site"),
                body)
            .statusCode());
  }

  @Test
  void d1_decisionsAndPingNeedANonSimpleSameOriginRequest() throws Exception {
    String id = "cluster/gate/expand/r1";
    assertEquals(
        202,
        submit(
                expandBody("r1", inventory("gate", "n1"), "{\"requireApproval\":true}"),
                "application/json")
            .statusCode());
    F.await(id, d -> "waiting-approval".equals(d.get("state").asText()));
    for (String action : new String[] {"approve", "retry", "skip", "abort"}) {
      String path = "/api/v1/operations/" + id + "/" + action + "?reason=csrf";
      assertEquals(
          403,
          send("POST", path, Map.of("Origin", EVIL, "Content-Type", "text/plain"), "x")
              .statusCode(),
          action);
      assertEquals(
          415, send("POST", path, Map.of("Content-Type", "text/plain"), "x").statusCode(), action);
      assertEquals(415, send("POST", path, Map.of(), null).statusCode(), action);
      assertEquals(
          403,
          send(
                  "POST",
                  path,
                  Map.of("Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"),
                  null)
              .statusCode(),
          action);
    }
    assertEquals(
        403, send("POST", "/api/v1/diagnostics/ping", Map.of("Origin", EVIL), null).statusCode());
    assertEquals(
        415,
        send("POST", "/api/v1/diagnostics/ping", Map.of("Content-Type", "text/plain"), "")
            .statusCode());
    JsonNode history =
        JSON.readTree(send("GET", "/api/v1/operations/" + id + "/history", Map.of(), null).body());
    assertFalse(history.toString().contains("csrf"), history.toString());
    assertEquals("waiting-approval", F.get("/api/v1/operations/" + id).get("state").asText());
    // The UI's own request (same origin, JSON) and the CLI's (no Origin, JSON) still act.
    HttpResponse<String> ok =
        send(
            "POST",
            "/api/v1/operations/" + id + "/abort?reason=mine",
            Map.of(
                "Origin",
                F.url(),
                "Sec-Fetch-Site",
                "same-origin",
                "Content-Type",
                "application/json"),
            null);
    assertEquals(200, ok.statusCode(), ok.body());
  }

  // D2: DNS rebinding --------------------------------------------------------------------------

  @Test
  void d2_aForeignHostHeaderIsRefusedOnEveryPath() throws Exception {
    for (String path : new String[] {"/", "/ui/app.js", "/api/v1/operations", "/api/v1/whoami"}) {
      RawHttp.Answer a =
          RawHttp.send(
              F.port(),
              "GET " + path + " HTTP/1.1\nHost: evil.example:" + F.port() + "\nConnection: close\n",
              null);
      assertEquals(421, a.status(), path);
    }
    String body = expandBody("rebind1", inventory("rebind", "n1"), null);
    RawHttp.Answer a =
        RawHttp.send(
            F.port(),
            "POST /api/v1/operations HTTP/1.1\nHost: evil.example:"
                + F.port()
                + "\nOrigin: http://evil.example:"
                + F.port()
                + "\nContent-Type: application/json\n"
                + "Content-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length
                + "\nConnection: close\n",
            out -> out.write(body.getBytes(StandardCharsets.UTF_8)));
    assertEquals(421, a.status());
    assertFalse(exists("cluster/rebind/expand/rebind1"));
    // The names the server binds are fine, with or without a port.
    for (String host :
        new String[] {"127.0.0.1:" + F.port(), "localhost:" + F.port(), "LOCALHOST"}) {
      assertEquals(
          200,
          RawHttp.send(
                  F.port(),
                  "GET /api/v1/whoami HTTP/1.1\nHost: " + host + "\nConnection: close\n",
                  null)
              .status(),
          host);
    }
  }

  // D3, D4: server-side files --------------------------------------------------------------------

  private static HttpResponse<String> submitPath(String field, String path) throws Exception {
    String body =
        "inventory.path".equals(field)
            ? "{\"kind\":\"expand\",\"requestId\":\"p\",\"inventory\":{\"path\":"
                + JSON.writeValueAsString(path)
                + "}}"
            : "{\"kind\":\"expand\",\"requestId\":\"p\",\"inventory\":{\"text\":"
                + JSON.writeValueAsString(inventory("files", "n1"))
                + ",\"format\":\"ini\"},\""
                + field
                + "\":"
                + JSON.writeValueAsString(path)
                + "}";
    return submit(body, "application/json");
  }

  @Test
  void d3_filesOutsideTheRootsAreNeverReadAndContentIsNeverEchoed() throws Exception {
    for (String field : new String[] {"inventory.path", "kubeconfig"}) {
      for (String path : new String[] {"/etc/passwd", "/proc/self/environ", "/etc/hostname"}) {
        HttpResponse<String> r = submitPath(field, path);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(field, field(r));
        assertTrue(r.body().contains("allowedRoots"), r.body());
        assertFalse(r.body().contains("root:x") || r.body().contains("PATH="), r.body());
      }
    }
    // Inside the roots a file is read, and what it says still never comes back.
    Path secret = Files.writeString(F.dir.resolve("app.env"), "DB_PASSWORD=hunter2-very-secret\n");
    for (String field : new String[] {"inventory.path", "kubeconfig"}) {
      HttpResponse<String> r = submitPath(field, secret.toString());
      assertEquals(400, r.statusCode(), r.body());
      assertFalse(r.body().contains("hunter2"), r.body());
      assertTrue(r.body().contains(secret.toString()), r.body());
    }
    // A link inside the roots that leads out of them is outside.
    Path link = Files.createSymbolicLink(F.dir.resolve("passwd-link"), Path.of("/etc/passwd"));
    HttpResponse<String> r = submitPath("inventory.path", link.toString());
    assertEquals(400, r.statusCode());
    assertFalse(r.body().contains("root:"), r.body());
  }

  @Test
  void d4_fifosAndDevicesAreRefusedAtOnce() throws Exception {
    Path fifo = F.dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    long t0 = System.nanoTime();
    HttpResponse<String> r = submitPath("inventory.path", fifo.toString());
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("regular file"), r.body());
    Path zero = Files.createSymbolicLink(F.dir.resolve("zero"), Path.of("/dev/zero"));
    assertEquals(400, submitPath("inventory.path", zero.toString()).statusCode());
    assertEquals(400, submitPath("kubeconfig", "/dev/zero").statusCode());
    assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "answers at once");
  }

  // D5, D6: bounded parsing and bodies -----------------------------------------------------------

  @Test
  void d5_aHugeYamlScalarIsRefusedFastAtItsLine() throws Exception {
    String big = "all:\n  vars:\n    x: " + "a".repeat(4_150_000) + "\n";
    long t0 = System.nanoTime();
    HttpResponse<String> r = plan("?checkFiles=false", "application/yaml", big, null);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(400, r.statusCode());
    assertEquals(3, JSON.readTree(r.body()).at("/errors/0/line").asInt(), r.body());
    assertTrue(ms < 1500, "took " + ms + " ms");
  }

  @Test
  void d6_bodiesAreBoundedWhileReading() throws Exception {
    // Declared too large: refused before a byte of it is read.
    RawHttp.Answer declared =
        RawHttp.send(
            F.port(),
            "POST /api/v1/plans HTTP/1.1\nHost: 127.0.0.1\n"
                + "Content-Type: text/plain\nContent-Length: "
                + (100L << 20)
                + "\n",
            null);
    assertEquals(413, declared.status());
    // Chunked, without end: refused once the limit is passed.
    byte[] chunk =
        ("100000\r\n" + "a".repeat(0x100000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    RawHttp.Answer chunked =
        RawHttp.send(
            F.port(),
            "POST /api/v1/operations HTTP/1.1\nHost: 127.0.0.1\n"
                + "Content-Type: application/json\nTransfer-Encoding: chunked\n",
            out -> {
              for (int i = 0; i < 100; i++) {
                out.write(chunk);
              }
            });
    assertEquals(413, chunked.status());
    assertTrue(chunked.millis() < 5000, chunked.millis() + " ms");
  }

  // D7, D8: JSON -------------------------------------------------------------------------------

  @Test
  void d7_malformedJsonIsA4xxNeverA500() throws Exception {
    String nested = "{\"zzz\":" + "{\"a\":".repeat(1000) + "1" + "}".repeat(1001);
    assertEquals(400, submit(nested, "application/json").statusCode());
    String longKey = "{\"" + "k".repeat(5_000_000) + "\":1}";
    assertEquals(400, submit(longKey, "application/json").statusCode());
    assertEquals(415, submit("{}", "application/json; charset=bogus").statusCode());
    assertEquals(415, submit("{}", "application/json; charset=\"x y\"").statusCode());
  }

  @Test
  void d8_jsonIsStrict() throws Exception {
    String ok = expandBody("strict", inventory("strict", "n1"), null);
    HttpResponse<String> trailing = submit(ok + "xyz", "application/json");
    assertEquals(400, trailing.statusCode(), trailing.body());
    assertEquals(400, submit(ok + ok, "application/json").statusCode());
    assertEquals(
        400,
        submit(
                ok.replace("{\"kind\":\"expand\",", "{\"kind\":\"expand\",\"kind\":\"expand\","),
                "application/json")
            .statusCode());
    String[][] coerced = {
      {"options.maxParallel", "\"options\":{\"maxParallel\":1.5}"},
      {"options.requireApproval", "\"options\":{\"requireApproval\":1}"},
      {"ssh.port", "\"ssh\":{\"port\":\"22\"}"},
      {"requestId", "\"requestId\":5"}
    };
    for (String[] c : coerced) {
      String body =
          "{\"kind\":\"expand\","
              + (c[0].equals("requestId") ? "" : "\"requestId\":\"c\",")
              + c[1]
              + ",\"inventory\":{\"text\":"
              + JSON.writeValueAsString(inventory("strict", "n1"))
              + ",\"format\":\"ini\"}}";
      HttpResponse<String> r = submit(body, "application/json");
      assertEquals(400, r.statusCode(), c[1] + ": " + r.body());
      assertEquals(c[0], field(r), r.body());
    }
    assertFalse(exists("cluster/strict/expand/strict"));
    assertFalse(exists("cluster/strict/expand/c"));
  }

  // D9: /plans parameters ----------------------------------------------------------------------

  @Test
  void d9_everyMalformedPlanParameterIsA400() throws Exception {
    String inv = inventory("params", "n1");
    for (String q :
        new String[] {
          "maxParallel=abc",
          "maxParallel=2147483648",
          "maxParallel=0",
          "maxParallel=999999999",
          "maxParallel=-1",
          "checkFiles=maybe",
          "checkFiles=TRUE",
          "assumeEmpty=yes"
        }) {
      HttpResponse<String> r = plan("?" + q, "text/plain", inv, null);
      assertEquals(400, r.statusCode(), q + ": " + r.body());
      assertEquals(q.split("=")[0], field(r), q);
    }
    assertEquals(
        200, plan("?maxParallel=500&checkFiles=false", "text/plain", inv, null).statusCode());
  }

  // D10: the admin guard under every server type -----------------------------------------------

  private static Optional<Throwable> check(Path dir, String name, String server) throws Exception {
    Path file = Files.writeString(dir.resolve(name), "mode: server\nserver:\n" + server + "\n");
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);
    return new GraftApplication().cli(out, out).run("check", file.toString());
  }

  @Test
  void d10_checkRefusesAnAdminEndpointOffLoopbackUnderEveryServerType(@TempDir Path dir)
      throws Exception {
    assertTrue(
        check(
                dir,
                "default-open.yml",
                "  adminConnectors: [{type: http, bindHost: 0.0.0.0, port: 0}]")
            .isPresent());
    assertTrue(
        check(
                dir,
                "simple-open.yml",
                "  type: simple\n  connector: {type: http, bindHost: 0.0.0.0, port: 0}")
            .isPresent());
    assertTrue(
        check(dir, "simple-unbound.yml", "  type: simple\n  connector: {type: http, port: 0}")
            .isPresent());
    assertFalse(
        check(
                dir,
                "simple-loopback.yml",
                "  type: simple\n  connector: {type: http, bindHost: 127.0.0.1, port: 0}")
            .isPresent());
    assertFalse(
        check(
                dir,
                "default-loopback.yml",
                "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]")
            .isPresent());
  }

  // D11: headers -------------------------------------------------------------------------------

  @Test
  void d11_everyResponseCarriesTheBrowserHeaders() throws Exception {
    for (String path : new String[] {"/", "/ui/app.js", "/api/v1/whoami", "/api/v1/nope"}) {
      HttpResponse<String> r = send("GET", path, Map.of(), null);
      assertTrue(
          r.headers()
              .firstValue("Content-Security-Policy")
              .orElse("")
              .contains("frame-ancestors 'none'"),
          path);
      assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""), path);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
      assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(""), path);
      assertEquals(
          path.startsWith("/api/"),
          r.headers().firstValue("Cache-Control").orElse("").contains("no-store"),
          path);
    }
    RawHttp.Answer refused =
        RawHttp.send(F.port(), "GET / HTTP/1.1\nHost: evil.example\nConnection: close\n", null);
    assertEquals("DENY", refused.headers().get("x-frame-options"));
  }

  // D12: no file-existence oracle --------------------------------------------------------------

  @Test
  void d12_viewersAndOperatorsLearnNothingAboutFilesOutsideTheRoots() throws Exception {
    String inv =
        "[kube_control_plane]\ncp1 ansible_host=10.0.0.1 ansible_ssh_private_key_file=%s\n"
            + "[etcd]\ncp1\n[kube_node]\nn1 ansible_host=10.0.0.2\n[all:vars]\ngraft_cluster_name=sec\n";
    for (String token : new String[] {VIEWER, OPERATOR}) {
      HttpResponse<String> there = plan("", "text/plain", inv.formatted("/etc/hostname"), token);
      HttpResponse<String> absent =
          plan("", "text/plain", inv.formatted("/etc/no-such-key"), token);
      assertEquals(there.statusCode(), absent.statusCode(), there.body() + " / " + absent.body());
      assertEquals(
          there.body().replace("/etc/hostname", "P"),
          absent.body().replace("/etc/no-such-key", "P"));
    }
    // Inside the roots an operator's plan checks, a viewer's does not.
    String missing = F.dir.resolve("no-such-key").toString();
    assertEquals(400, plan("", "text/plain", inv.formatted(missing), OPERATOR).statusCode());
    assertEquals(200, plan("", "text/plain", inv.formatted(missing), VIEWER).statusCode());
    // The operation's own paths: the same answer for a file that exists and one that does not.
    HttpResponse<String> a = submitPath("knownHosts", "/etc/hostname");
    HttpResponse<String> b = submitPath("knownHosts", "/etc/no-such-file");
    assertEquals(a.statusCode(), b.statusCode(), a.body() + " / " + b.body());
  }

  // D13: validation gaps -----------------------------------------------------------------------

  @Test
  void d13_versionsPathsAndEndpointsAreHeldToTheirShapes() throws Exception {
    String base =
        "[kube_control_plane]\ncp1 ansible_host=10.0.0.1\n[etcd]\ncp1\n[kube_node]\n"
            + "n1 ansible_host=10.0.0.2\n[all:vars]\ngraft_cluster_name=sec\n";
    for (String var :
        new String[] {
          "kube_version=$(touch /tmp/pwned)",
          "kube_version=<img src=x onerror=alert(1)>",
          "kube_version=" + "1".repeat(3000),
          "ansible_ssh_private_key_file=/tmp/$(touch /tmp/pwned)",
          "ansible_ssh_private_key_file=/etc/graft/../../root/.ssh/id_rsa",
          "ansible_ssh_private_key_file=/etc/graft/my key",
          "graft_api_endpoint=https://" + "a".repeat(10_000) + ":6443"
        }) {
      HttpResponse<String> r = plan("?checkFiles=false", "text/plain", base + var + "\n", null);
      assertEquals(400, r.statusCode(), var + ": " + r.body());
    }
    assertEquals(
        200,
        plan("?checkFiles=false", "text/plain", base + "kube_version=v1.31.2\n", null)
            .statusCode());
    assertFalse(Files.exists(Path.of("/tmp/pwned")));
  }

  // D14, D15: the REST API agrees with the CLI on UTF-8; no Java names in answers ---------------

  @Test
  void d14_d15_invalidUtf8IsRefusedAndAnswersNameNoJavaTypes() throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(F.url() + "/api/v1/plans"))
            .header("Content-Type", "text/plain")
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    new byte[] {'[', 'a', (byte) 0xff, ']', '\n'}))
            .build();
    HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode(), r.body());
    for (String body :
        new String[] {
          "[]", "{\"kind\":[]}", "\"x\"", "{\"options\":\"fast\"}", "{\"ssh\":{\"port\":{}}}"
        }) {
      HttpResponse<String> bad = submit(body, "application/json");
      assertEquals(400, bad.statusCode(), body);
      assertFalse(
          bad.body().contains("dev.graft")
              || bad.body().contains("java.")
              || bad.body().contains("ExpandRequest"),
          bad.body());
    }
  }

  // D16: ids longer than Temporal takes --------------------------------------------------------

  @Test
  void d16_overLongIdsAreUnknownNotErrors() throws Exception {
    String id = "cluster/a/expand/" + "r".repeat(1500);
    assertEquals(404, send("GET", "/api/v1/operations/" + id, Map.of(), null).statusCode());
    assertEquals(
        404, send("GET", "/api/v1/operations/" + id + "/history", Map.of(), null).statusCode());
    assertEquals(
        404,
        send(
                "POST",
                "/api/v1/operations/" + id + "/abort",
                Map.of("Content-Type", "application/json"),
                null)
            .statusCode());
  }
}
