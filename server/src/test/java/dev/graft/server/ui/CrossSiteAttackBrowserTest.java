package dev.graft.server.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The security review's attack page (D1, D11) and a DNS rebinding (D2), in headless Chromium
 * against a server that runs as {@code graft dev} does (no token: operator 'anonymous'). The page
 * lives on another port of 127.0.0.1, so it is same-site but not same-origin, as the review's was;
 * it submits an expansion with a Blob body, approves and aborts an operation waiting at its gate,
 * runs a ping, posts a form, and frames the UI. Nothing of that may act, and the frame must stay
 * empty; the operation is then still waiting, with nothing from the page in its history.
 */
class CrossSiteAttackBrowserTest {
  static UiBrowser b;
  static UiFixture f;
  static HttpServer evil;

  @BeforeAll
  static void start() throws Exception {
    // evil.test is the attacker's name, rebound to this machine.
    b = UiBrowser.start("--host-resolver-rules=MAP evil.test 127.0.0.1");
    f = UiFixture.start(new FakeFleetBackend(), true);
    evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    evil.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (evil != null) {
      evil.stop(0);
    }
    if (f != null) {
      f.close();
    }
    if (b != null) {
      b.close();
    }
  }

  static String page(String target, String id) {
    String op =
        "{\"kind\":\"expand\",\"requestId\":\"from-evil-page\",\"inventory\":{\"text\":"
            + "\"[kube_control_plane]\\ncp1 ansible_host=10.0.0.1\\n[etcd]\\ncp1\\n[kube_node]\\nw9 ansible_host=10.0.0.9\\n\","
            + "\"format\":\"ini\"}}";
    return """
        <!doctype html><html><body>
        <iframe id="ui" src="%1$s/" width="600" height="300"></iframe>
        <iframe name="sink"></iframe>
        <form id="form" method="POST" enctype="text/plain" target="sink"
              action="%1$s/api/v1/operations/%2$s/abort?reason=aborted-by-evil-form">
          <input name='{"x":"' value='"}'></form>
        <script>
        const T = '%1$s', ID = '%2$s', OP = '%3$s';
        const out = [];
        async function go(name, p) {
          try { await p; out.push(name + ':sent'); } catch (e) { out.push(name + ':blocked'); }
        }
        (async () => {
          await go('blob', fetch(T + '/api/v1/operations', {method: 'POST', mode: 'no-cors',
              body: new Blob([OP])}));
          await go('text', fetch(T + '/api/v1/operations', {method: 'POST', mode: 'no-cors',
              headers: {'Content-Type': 'text/plain'}, body: OP.replace('from-evil-page', 'evil-text')}));
          await go('approve', fetch(T + '/api/v1/operations/' + ID + '/approve?reason=approved-by-evil-page',
              {method: 'POST', mode: 'no-cors', body: 'x'}));
          await go('abort', fetch(T + '/api/v1/operations/' + ID + '/abort?reason=aborted-by-evil-page',
              {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: 'x'}));
          await go('ping', fetch(T + '/api/v1/diagnostics/ping', {method: 'POST', mode: 'no-cors'}));
          await go('json', fetch(T + '/api/v1/operations', {method: 'POST',
              headers: {'Content-Type': 'application/json'}, body: OP.replace('from-evil-page', 'evil-json')}));
          await go('read', fetch(T + '/api/v1/operations').then((r) => r.text()));
          document.getElementById('form').submit();
          setTimeout(() => { document.title = 'done ' + out.join(','); }, 1500);
        })();
        </script></body></html>
        """
        .formatted(target, id, op.replace("\\", "\\\\"));
  }

  @Test
  void theReviewsAttackPageActsOnNothing() throws Exception {
    String id = f.expand("gatekept", "r1", List.of("w1"), "{\"requireApproval\":true}");
    f.await(id, Duration.ofSeconds(30), UiFixture.state("waiting-approval"));
    byte[] html = page(f.devUrl(), id).getBytes(StandardCharsets.UTF_8);
    evil.createContext(
        "/attack.html",
        x -> {
          x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          x.sendResponseHeaders(200, html.length);
          x.getResponseBody().write(html);
          x.close();
        });
    b.driver.get("http://127.0.0.1:" + evil.getAddress().getPort() + "/attack.html");
    String title =
        b.until(
            "the attack page to finish",
            Duration.ofSeconds(30),
            d -> d.getTitle().startsWith("done") ? d.getTitle() : null);
    // Opaque requests were sent (the browser lets them go), the JSON POST and the read were not.
    assertTrue(title.contains("json:blocked") && title.contains("read:blocked"), title);

    JsonNode op = f.get("/api/v1/operations/" + id);
    assertEquals("waiting-approval", op.get("state").asText(), op.toString());
    String history = f.get("/api/v1/operations/" + id + "/history").toString();
    assertFalse(history.contains("evil-page") || history.contains("evil-form"), history);
    String all = f.get("/api/v1/operations").toString();
    assertFalse(
        all.contains("from-evil-page") || all.contains("evil-text") || all.contains("evil-json"),
        all);

    // The framed UI did not load (X-Frame-Options: DENY, frame-ancestors 'none').
    b.driver.switchTo().frame("ui");
    assertTrue(
        b.driver.findElements(By.id("app")).isEmpty(),
        "the UI rendered inside another site's frame");
    b.driver.switchTo().defaultContent();
  }

  @Test
  void aRebindingPageGetsNothingFromTheServer() {
    // After a rebinding, evil.test:<port> is this server to the browser; the server says no.
    String port = f.devUrl().substring(f.devUrl().lastIndexOf(':') + 1);
    b.driver.get("http://evil.test:" + port + "/api/v1/operations");
    String body = b.driver.findElement(By.tagName("body")).getText();
    assertTrue(body.contains("does not answer to the host name"), body);
    b.driver.get("http://evil.test:" + port + "/");
    assertTrue(b.driver.findElements(By.id("app")).isEmpty(), "the UI loaded under a foreign name");
  }
}
