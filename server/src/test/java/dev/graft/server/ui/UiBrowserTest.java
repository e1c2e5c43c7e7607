package dev.graft.server.ui;

import static dev.graft.server.ui.UiFixture.OPERATOR;
import static dev.graft.server.ui.UiFixture.TEMPORAL_UI;
import static dev.graft.server.ui.UiFixture.VIEWER;
import static dev.graft.server.ui.UiFixture.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The web UI in a real browser (Debian's headless chromium) against Graft's server, an embedded
 * Temporal and the real workflows on a fake fleet ({@link FakeFleetBackend}; the seam where the lab
 * plugs in). The acceptance of issue #9: an expansion with an injected failure parks in
 * needs-attention, an operator sees it in the list and on the operation page, clicks retry, and
 * sees the expansion complete; screenshots go to server/target/ui-screenshots.
 */
class UiBrowserTest {
  static final Set<String> DONE = Set.of("succeeded", "already-satisfied");
  static UiFixture f;
  static UiBrowser b;

  /**
   * A failed test leaves a screenshot of where the page was:
   * target/ui-screenshots/failed-<test>.png.
   */
  @RegisterExtension
  final TestWatcher screenshotOnFailure =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          try {
            if (b != null) {
              b.screenshot("failed-" + context.getRequiredTestMethod().getName());
            }
          } catch (Exception e) {
            cause.addSuppressed(e);
          }
        }
      };

  @BeforeAll
  static void start() throws Exception {
    // The browser first: without chromium the test is skipped (or fails in CI) before anything
    // starts.
    b = UiBrowser.start();
    f = UiFixture.start(new FakeFleetBackend(), true);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (b != null) {
        b.close();
      }
    } finally {
      if (f != null) {
        f.close();
      }
    }
  }

  private static String text(String css) {
    return b.find(css).getText();
  }

  private static String pageState() {
    List<WebElement> badge = b.all("#op-head h1 .badge");
    return badge.isEmpty() ? "" : badge.get(0).getAttribute("data-state");
  }

  /** Opens the operation from the list (the list redraws as it refreshes: found again if so). */
  private static void openFromList(UiBrowser b, String id) {
    b.until(
        "the operation opened from the list",
        d -> {
          listRow(id).findElement(By.cssSelector("a.op-link")).click();
          return true;
        });
  }

  private static WebElement listRow(String id) {
    List<WebElement> rows = b.all("#ops tr.op-row[data-id='" + id + "']");
    return rows.isEmpty() ? null : rows.get(0);
  }

  @Test
  void anOperatorSeesAFailedStepNeedAttentionRetriesItAndTheExpansionCompletes() throws Exception {
    // w2's join fails three times (every attempt Temporal makes), with HTML in its error and
    // output that must show as text; w1's join takes a while and prints as it goes.
    String xss =
        "kubeadm join failed on acc-w2: <img src=x onerror=\"window.__xss=1\"> port 10250 is in use";
    f.backend.fail(
        "join",
        "acc-w2",
        3,
        xss,
        "[preflight] Running pre-flight checks\n<script>window.__xss=2</script>\nerror: Port-10250 is in use");
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 24; i++) {
      lines.add(
          "[kubelet-start] waiting for the kubelet to perform the TLS Bootstrap (" + i + "/24)");
    }
    f.backend.slowJoin("acc-w1", lines, Duration.ofMillis(500));
    String id =
        f.expand("acc", "r1", List.of("acc-w1", "acc-w2", "acc-w3"), "{\"maxParallel\": 5}");

    // Sign in as the operator; the list shows the operation.
    b.openSignedOut(f.url() + "/");
    b.signIn(OPERATOR);
    b.until("otto signed in", d -> text("#who").contains("otto"));
    assertTrue(text("#who").contains("operator"), text("#who"));
    b.until("the operation in the list", d -> listRow(id) != null);
    openFromList(b, id);

    // The operation page: the live output of w1's join, while it runs.
    b.until(
        "the live output of acc-w1's join",
        d ->
            b.all("#live article.live-activity[data-node='acc-w1'] pre.live-tail").stream()
                .anyMatch(e -> e.getText().contains("acc-w1 kubeadm join: [kubelet-start]")));
    // The grid and the live output come from two polls: the grid shows the join running too (within
    // a refresh), while the 12 s join still runs.
    b.until(
        "acc-w1's join running in the grid",
        d ->
            "running"
                .equals(
                    b.find("#grid tr[data-node='acc-w1'] td.cell[data-col='node:join']")
                        .getAttribute("data-state")));
    assertTrue(b.all("#live article.live-activity[data-node='acc-w1']").size() > 0, "still live");

    // w2's join runs out of attempts: needs attention, with its error and output as text.
    WebElement retry =
        b.until(
            "retry offered for acc-w2's join",
            Duration.ofSeconds(60),
            d ->
                b.all("#attention button[data-action='retry'][data-node='acc-w2']").stream()
                    .findFirst()
                    .orElse(null));
    b.until("the operation needs attention", d -> "needs-attention".equals(pageState()));
    WebElement card = b.find("#attention article.step-card[data-node='acc-w2'][data-step='join']");
    assertTrue(card.getText().contains(xss), card.getText());
    assertTrue(card.getText().contains("3 attempts"), card.getText());
    // Each of the three attempts is listed, oldest first, with its own error; Graft retried them.
    List<WebElement> tries = card.findElements(By.cssSelector("ol.attempt-list > li"));
    assertEquals(3, tries.size(), card.getText());
    assertTrue(tries.get(0).getText().contains("retried by graft"), tries.get(0).getText());
    assertTrue(tries.get(0).getText().contains(xss), tries.get(0).getText());
    assertTrue(
        b.find("#attention article.step-card[data-node='acc-w2'] pre.output")
            .getAttribute("textContent")
            .contains("<script>window.__xss=2</script>"));
    assertNull(b.js("return window.__xss;"), "an error message ran as HTML");
    assertEquals(
        "needs-attention",
        b.find("#grid tr[data-node='acc-w2'] td.cell[data-col='node:join']")
            .getAttribute("data-state"));
    assertEquals(3, b.all("#grid tbody tr[data-node^='acc-w']").size());
    b.screenshot("operation-needs-attention");

    // The list: needs-attention, and the state filter finds it (and hides it under another state).
    b.click("#back");
    b.until(
        "needs-attention in the list",
        d ->
            listRow(id) != null
                && "needs-attention".equals(listRow(id).getAttribute("data-state")));
    new Select(b.find("#filter-state")).selectByValue("needs-attention");
    assertTrue(listRow(id) != null, "shown under needs-attention");
    new Select(b.find("#filter-state")).selectByValue("done");
    b.until("hidden under done", d -> listRow(id) == null);
    assertTrue(b.find("#list-empty").isDisplayed());
    new Select(b.find("#filter-state")).selectByValue("");
    new Select(b.find("#filter-cluster")).selectByValue("acc");
    b.until("shown again", d -> listRow(id) != null);
    assertTrue(b.driver.getCurrentUrl().contains("cluster=acc"), b.driver.getCurrentUrl());
    b.screenshot("list-needs-attention");

    // Retry, as the operator: the join runs again, succeeds, and the expansion completes.
    openFromList(b, id);
    b.until(
        "the retry button",
        d ->
            b.all("#attention button[data-action='retry'][data-node='acc-w2']").stream()
                .findFirst()
                .orElse(null));
    b.click("#attention button[data-action='retry'][data-node='acc-w2']");
    b.until("the retry acknowledged", d -> text("#notice").contains("retry recorded"));
    b.until("the expansion done", Duration.ofSeconds(60), d -> "done".equals(pageState()));
    for (WebElement cell : b.all("#grid td.cell[data-state]")) {
      String s = cell.getAttribute("data-state");
      assertTrue(s.isEmpty() || DONE.contains(s), cell.getAttribute("title"));
    }
    assertTrue(b.all("#attention button").isEmpty());
    assertTrue(text("#result").contains("completed"), text("#result"));
    assertTrue(
        b.find("#grid tr[data-node='acc-w2'] td.cell[data-col='node:join']")
            .getText()
            .contains("4"),
        "four attempts in all: three failed, one after the retry");
    int segments = b.all("#grid tr[data-node='acc-w1'] .bar .seg").size();
    assertTrue(segments >= 6, "each of the node's steps is on its timeline: " + segments);
    b.screenshot("operation-done");

    // The list says done too.
    b.click("#back");
    b.until(
        "done in the list",
        d -> listRow(id) != null && "done".equals(listRow(id).getAttribute("data-state")));
    b.screenshot("list-done");

    // The audit trail: the failed attempts, the retry by otto, inputs as references, the link to
    // the Temporal UI, and the JSON export.
    b.driver.get(f.url() + "/#/audit/" + id);
    b.until("the audit trail", d -> !b.all("#audit[data-complete='true'] li.entry").isEmpty());
    WebElement decision = b.find("#audit li.entry[data-kind='decision'][data-decision='retry']");
    assertTrue(
        decision.getText().contains("otto decided retry on join (node acc-w2)"),
        decision.getText());
    assertTrue(
        b.all("#audit li.entry.failed[data-node='acc-w2']").stream()
            .anyMatch(
                e -> e.getText().contains("Kubeadm.Join") && e.getText().contains("(attempt 1)")),
        "the join's first failed attempt is in the trail");
    WebElement first =
        b.all("#audit li.entry.failed[data-node='acc-w2']").stream()
            .filter(e -> e.getText().contains("(attempt 1)"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        first
            .findElement(By.cssSelector("details.attempt-output pre"))
            .getAttribute("textContent")
            .contains("<script>window.__xss=2</script>"),
        "attempt 1's own output is kept, as text");
    assertTrue(
        b.all("#audit li.entry.failed[data-node='acc-w2']").stream()
            .anyMatch(
                e -> e.getText().contains("Kubeadm.Join") && e.getText().contains("(attempt 3)")),
        "the join's third failed attempt is in the trail");
    assertTrue(
        b.all("#audit li.entry[data-node='acc-w2']").stream()
            .anyMatch(
                e ->
                    e.getText().contains("Kubeadm.Join")
                        && e.getText().contains("(attempt 4)")
                        && e.getText().contains("completed")),
        "the operator's retry is attempt 4");
    assertTrue(
        b.all("#audit li.entry[data-kind='submitted']")
            .get(0)
            .getText()
            .contains("otto submitted"));
    WebElement input =
        b.find("#audit li.entry[data-kind='activity'][data-node='acc-w2'] details.input");
    input.findElement(By.tagName("summary")).click();
    String inputText =
        b.until("the input shown", d -> input.findElement(By.tagName("pre")).getText());
    assertTrue(
        inputText.contains("/etc/graft/keys/id_ed25519"),
        "the key is there as a reference: " + inputText);
    String temporalHref = b.find("#temporal-link").getAttribute("href");
    assertTrue(
        temporalHref.startsWith(
            TEMPORAL_UI + "/namespaces/default/workflows/cluster%2Facc%2Fexpand%2Fr1/"),
        temporalHref);
    assertTrue(temporalHref.endsWith("/history"), temporalHref);
    b.until(
        "the export ready", d -> b.find("#export-json").getAttribute("href").startsWith("blob:"));
    String exported =
        (String)
            b.jsAsync(
                "const done = arguments[arguments.length - 1];"
                    + "fetch(document.getElementById('export-json').href).then(r => r.text()).then(done);");
    JsonNode doc = UiFixture.JSON.readTree(exported);
    assertEquals(id, doc.get("operation").asText());
    assertEquals("otto", doc.get("exportedBy").asText());
    assertEquals(
        f.get("/api/v1/operations/" + id + "/history").get("entries").size(),
        doc.get("entries").size());
    b.screenshot("audit");
    assertNull(b.js("return window.__xss;"));
  }

  @Test
  void
      aViewerSeesNoActionButtonsAndTheServerRefusesTheirActionsThenAnOperatorAbortsAfterConfirming()
          throws Exception {
    f.backend.fail(
        "join",
        "view-w1",
        1000,
        "kubeadm join failed on view-w1: the API server is unreachable",
        "");
    String id = f.expand("view", "r1", List.of("view-w1"), null);
    f.await(id, Duration.ofSeconds(60), state("needs-attention"));

    // A wrong token is refused at sign-in.
    b.openSignedOut(f.url() + "/#/op/" + id);
    b.signIn("graft_not-a-token");
    b.until("the refusal", d -> text("#login-error").contains("not valid"));

    // The viewer: sees the error, no buttons; the server refuses a viewer's retry anyway (403).
    b.signIn(VIEWER);
    b.until(
        "vera signed in", d -> text("#who").contains("vera") && text("#who").contains("viewer"));
    b.until(
        "back on the operation",
        d -> !b.all("#attention article.step-card[data-node='view-w1']").isEmpty());
    assertTrue(text("#attention").contains("the API server is unreachable"), text("#attention"));
    assertTrue(b.find("#viewer-note").isDisplayed());
    assertTrue(b.all("button[data-action]").isEmpty(), "a viewer sees no decision buttons");
    assertTrue(b.all("#abort-operation").isEmpty(), "a viewer sees no abort button");
    @SuppressWarnings("unchecked")
    Map<String, Object> refused =
        (Map<String, Object>)
            b.jsAsync(
                "const done = arguments[arguments.length - 1];"
                    + "fetch('/api/v1/operations/' + arguments[0] + '/retry?node=view-w1', {method: 'POST',"
                    + " headers: {Authorization: 'Bearer ' + sessionStorage.getItem('graft.token'),"
                    + " 'Content-Type': 'application/json'}})"
                    + ".then(r => done({status: r.status}));",
                id);
    assertEquals(403L, ((Number) refused.get("status")).longValue());
    assertEquals("needs-attention", f.get("/api/v1/operations/" + id).get("state").asText());
    b.screenshot("operation-viewer");

    // The operator: abort asks first; "keep it running" aborts nothing.
    b.find("#signout").click();
    b.signIn(OPERATOR);
    // Signed in first: the app's own navigation after sign-in must not race the one below.
    b.until("otto signed in", d -> text("#who").contains("otto"));
    b.driver.get(f.url() + "/#/op/" + id);
    b.until("the abort button", d -> b.all("#abort-operation").stream().findFirst().orElse(null));
    b.click("#abort-operation");
    b.until("the confirmation", d -> b.find("#confirm-abort").isDisplayed());
    assertTrue(text("#confirm-abort").contains(id), text("#confirm-abort"));
    b.find("#confirm-abort-no").click();
    b.until("nothing aborted", d -> text("#notice").contains("Nothing was aborted"));
    Thread.sleep(500);
    assertEquals("needs-attention", f.get("/api/v1/operations/" + id).get("state").asText());

    b.click("#abort-operation");
    b.until("the confirmation again", d -> b.find("#confirm-abort").isDisplayed());
    b.find("#confirm-abort-reason").sendKeys("node hardware is broken");
    b.find("#confirm-abort-yes").click();
    b.until("the operation aborted", Duration.ofSeconds(60), d -> "aborted".equals(pageState()));
    JsonNode history = f.get("/api/v1/operations/" + id + "/history");
    boolean recorded = false;
    for (JsonNode e : history.get("entries")) {
      recorded |=
          "decision".equals(e.path("kind").asText())
              && "abort".equals(e.path("decision").asText())
              && "otto".equals(e.path("actor").asText())
              && "node hardware is broken".equals(e.path("reason").asText());
    }
    assertTrue(recorded, history.toString());
  }

  @Test
  void whereAnonymousRequestsActAsOperatorTheUiNeedsNoSignIn() throws Exception {
    b.openSignedOut(f.devUrl() + "/");
    b.until("the list, without signing in", d -> !b.all("#ops").isEmpty());
    assertTrue(b.all("#token").isEmpty(), "no sign-in form");
    assertTrue(text("#who").contains("anonymous operator"), text("#who"));
    assertTrue(b.find("#signin").isDisplayed(), "a token can still be used");
    @SuppressWarnings("unchecked")
    Map<String, Object> who =
        (Map<String, Object>)
            b.jsAsync(
                "const done = arguments[arguments.length - 1];"
                    + "fetch('/api/v1/whoami').then(r => r.json()).then(done);");
    assertEquals(Boolean.TRUE, who.get("canAct"));
    assertEquals(Boolean.TRUE, who.get("anonymous"));
  }
}
