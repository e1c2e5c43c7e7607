package dev.graft.server.ui;

import static dev.graft.server.ui.UiFixture.OPERATOR;
import static dev.graft.server.ui.UiFixture.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A large operation in the browser: an 80-node expansion in the build (200 and more as a benchmark:
 * {@code -Dgraft.ui.nodes=200}) (the real workflows on the fake fleet, 25 joins at once) watched on
 * its operation page from start to end, then reloaded, then its audit trail and the list. It
 * asserts behaviour only (every node's row and step is drawn, the page keeps answering); the
 * timings it measures in the browser (window.__graftPerf: build and layout of each render, time to
 * the next painted frame, API fetches, and the longest task that blocked the page) are printed and
 * written to target/ui-screenshots/render-N-nodes.txt.
 *
 * <p>Rerun: {@code mvn -B -o -q -pl server -am test -Dtest=UiRenderTest
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dgraft.ui.nodes=N]}; the figures are in that file and
 * in target/surefire-reports/dev.graft.server.ui.UiRenderTest-output.txt.
 */
class UiRenderTest {
  /** The new nodes' rows (the existing control plane gets one too, for its routing steps). */
  private static final String ROWS = "#grid tbody tr[data-node^='big-w']";

  @Test
  void aLargeOperationRendersWithoutFreezing() throws Exception {
    int n = Integer.getInteger("graft.ui.nodes", 80);
    List<String> workers = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      workers.add(String.format(Locale.ROOT, "big-w%03d", i));
    }
    try (UiBrowser b = UiBrowser.start();
        UiFixture f = UiFixture.start(new FakeFleetBackend().quiet(), false)) {
      b.openSignedOut(f.url() + "/");
      b.signIn(OPERATOR);
      b.until("signed in", d -> b.find("#who").getText().contains("otto"));
      long submitted = System.nanoTime();
      String id = f.expand("big", "r1", workers, "{\"maxParallel\": 25}");
      b.driver.get(f.url() + "/#/op/" + id);
      b.until("a row per node", Duration.ofSeconds(60), d -> b.all(ROWS).size() == n);

      // Watch it run to the end: the page refreshes every 2 s meanwhile.
      f.await(id, Duration.ofMinutes(10), state("done"));
      long runMillis = (System.nanoTime() - submitted) / 1_000_000;
      b.until(
          "done on the page",
          Duration.ofSeconds(30),
          d -> b.all("#op-head h1 .badge[data-state='done']").size() == 1);
      JsonNode watching = perf(b);

      // Every node's row, every step done.
      assertEquals(n, b.all(ROWS).size());
      long notDone =
          (Long)
              b.js(
                  "return [...document.querySelectorAll('#grid td.cell[data-state]')]"
                      + ".filter(c => c.dataset.state && !['succeeded', 'already-satisfied'].includes(c.dataset.state)).length;");
      assertEquals(0L, notDone);
      b.screenshot("operation-" + n + "-nodes");

      // A fresh page on the finished operation: the first render of everything at once.
      b.driver.navigate().refresh();
      b.until(
          "the grid again",
          Duration.ofSeconds(60),
          d ->
              b.all(ROWS).size() == n
                  && b.all("#op-head h1 .badge[data-state='done']").size() == 1);
      JsonNode reload = perf(b);
      long cells =
          (Long) b.js("return document.querySelectorAll('#grid td.cell[data-state]').length;");
      assertTrue(cells >= 6L * n, "at least the six join steps of every node: " + cells);

      // The audit trail of the whole operation, and the list.
      b.driver.get(f.url() + "/#/audit/" + id);
      b.until(
          "the audit trail",
          Duration.ofSeconds(120),
          d -> !b.all("#audit[data-complete='true']").isEmpty());
      assertTrue(b.all("#audit li.entry").size() > 6 * n);
      JsonNode audit = perf(b);
      long entries = (Long) b.js("return document.querySelectorAll('#audit li.entry').length;");
      b.driver.get(f.url() + "/#/");
      b.until("the list", d -> !b.all("#ops tr.op-row").isEmpty());
      JsonNode list = perf(b);
      // The page still answers at once after all of this.
      long t0 = System.nanoTime();
      b.js("return 1;");
      long answerMillis = (System.nanoTime() - t0) / 1_000_000;

      String report =
          String.format(
              Locale.ROOT,
              """

          === UiRenderTest: a %d-node operation in Chromium %s (headless) ===
          expansion wall time (fake fleet, 25 joins at once)   %,d ms
          operation page while it ran (refresh every 2 s):
            first render of the grid (%d rows)                  %s
            updates of the grid                                 %s
            whole page per refresh (header, panels, grid)       %s
            GET the operation (server + transfer)               %s
            longest task blocking the page                      %s
          operation page reloaded on the finished operation:
            GET the operation                                   %s
            first render of the grid (%,d cells)                %s
            whole page                                          %s
            longest task blocking the page                      %s
          audit trail (%,d entries):
            GET the history                                     %s
            first chunk shown (%d entries a chunk)               %s
            every chunk drawn (one task each)                   %s
          operations list: render                               %s
          the page answered a script %d ms after all this
          rerun: mvn -B -o -q -pl server -am test -Dtest=UiRenderTest -Dsurefire.failIfNoSpecifiedTests=false [-Dgraft.ui.nodes=N]
          """,
              n,
              b.driver.getCapabilities().getBrowserVersion(),
              runMillis,
              n,
              renders(watching, "operation", "full", 1),
              renders(watching, "operation", "update", 0),
              renders(watching, "operation-page", null, 0),
              fetches(watching, "GET /operations/"),
              longest(watching),
              fetches(reload, "GET /operations/"),
              cells,
              renders(reload, "operation", "full", 0),
              renders(reload, "operation-page", null, 0),
              longest(reload),
              entries,
              fetches(audit, "/history"),
              300,
              renders(audit, "audit", "first-chunk", 1),
              renders(audit, "audit", "all", 1),
              renders(list, "list", null, 0),
              answerMillis);
      System.out.println(report);
      Files.writeString(UiBrowser.SCREENSHOTS.resolve("render-" + n + "-nodes.txt"), report);
      assertTrue(answerMillis < 30_000);
    }
  }

  private static JsonNode perf(UiBrowser b) throws Exception {
    // Let the last render's frame time land, then read the figures the page kept.
    Thread.sleep(300);
    return UiFixture.JSON.readTree((String) b.js("return JSON.stringify(window.__graftPerf);"));
  }

  /**
   * "median X ms, max Y ms (n renders; next frame painted after median Z ms)" of matching renders.
   */
  private static String renders(JsonNode perf, String view, String kind, int onlyFirst) {
    Predicate<JsonNode> match =
        r ->
            view.equals(r.path("view").asText())
                && (kind == null || kind.equals(r.path("kind").asText()));
    List<Double> script = new ArrayList<>();
    List<Double> frame = new ArrayList<>();
    for (JsonNode r : perf.path("renders")) {
      if (match.test(r)) {
        script.add(r.path("scriptMs").asDouble());
        if (!r.path("frameMs").isNull()) {
          frame.add(r.path("frameMs").asDouble());
        }
        if (onlyFirst > 0 && script.size() == onlyFirst) {
          break;
        }
      }
    }
    if (script.isEmpty()) {
      return "(none)";
    }
    if (script.size() == 1) {
      return String.format(
          Locale.ROOT,
          "%.0f ms build and layout, next frame painted after %s",
          script.get(0),
          frame.isEmpty() ? "?" : String.format(Locale.ROOT, "%.0f ms", frame.get(0)));
    }
    return String.format(
        Locale.ROOT,
        "median %.0f ms, max %.0f ms over %d (next frame after median %.0f ms)",
        median(script),
        Collections.max(script),
        script.size(),
        frame.isEmpty() ? 0 : median(frame));
  }

  private static String fetches(JsonNode perf, String contains) {
    List<Double> ms = new ArrayList<>();
    long bytes = 0;
    for (JsonNode f : perf.path("fetches")) {
      String what = f.path("what").asText();
      if (what.contains(contains) && (contains.equals("/history") || !what.endsWith("/history"))) {
        ms.add(f.path("ms").asDouble());
        bytes = Math.max(bytes, f.path("bytes").asLong());
      }
    }
    if (ms.isEmpty()) {
      return "(none)";
    }
    return String.format(
        Locale.ROOT,
        "median %.0f ms, max %.0f ms over %d (%,d bytes)",
        median(ms),
        Collections.max(ms),
        ms.size(),
        bytes);
  }

  private static String longest(JsonNode perf) {
    long max = 0;
    int count = 0;
    for (JsonNode t : perf.path("longTasks")) {
      max = Math.max(max, t.path("ms").asLong());
      count++;
    }
    return count == 0
        ? "no task over 50 ms"
        : String.format(Locale.ROOT, "%d ms (%d tasks over 50 ms)", max, count);
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
