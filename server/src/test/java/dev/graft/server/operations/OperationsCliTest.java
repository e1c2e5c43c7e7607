package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.JSON;
import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.VIEWER;
import static dev.graft.server.operations.OperationsFixture.inventory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.server.GraftApplication;
import dev.graft.server.cli.ops.CliExit;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API commands run in-process through GraftApplication.cli against a running server. */
class OperationsCliTest {
  static final OperationsFixture F = new OperationsFixture();

  @BeforeAll
  static void start() throws Exception {
    F.start();
  }

  @AfterAll
  static void stop() throws Exception {
    F.stop();
  }

  record Run(int code, String out, String err) {}

  static Run graft(String token, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--server");
    all.add(F.url());
    return graftAt(token, all.toArray(String[]::new));
  }

  /** The CLI in-process with these arguments (which name the server). */
  static Run graftAt(String token, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    if (token != null) {
      all.add("--token");
      all.add(token);
    }
    Optional<Throwable> failure;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      failure =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () -> new GraftApplication().cli(o, e).run(all.toArray(String[]::new)));
    }
    int code = failure.map(t -> t instanceof CliExit x ? x.code() : 1).orElse(0);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Path file(String name, String content) throws Exception {
    return Files.writeString(F.dir.resolve(name), content);
  }

  @Test
  void expandWatchEndsWithZeroAndASummary() throws Exception {
    Path inv = file("clidone.ini", inventory("clidone", "w1", "w2"));
    Run r =
        graft(
            OPERATOR,
            "expand",
            "-i",
            inv.toString(),
            "--request-id",
            "r1",
            "--watch",
            "--interval",
            "100");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("accepted: cluster/clidone/expand/r1"), r.out());
    // Not a TTY: progress is appended line by line, and ends with the summary.
    assertTrue(r.out().matches("(?s).*w1\\s+\\[#{20}\\] 4/4  done.*"), r.out());
    assertTrue(r.out().contains("cluster/clidone/expand/r1: done"), r.out());
    assertTrue(r.out().contains("steps: 8 succeeded"), r.out());
    assertTrue(!r.out().contains("\033["), "no ANSI codes when stdout is not a terminal");

    Run again = graft(OPERATOR, "expand", "-i", inv.toString(), "--request-id", "r1");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("already submitted: cluster/clidone/expand/r1"), again.out());

    Run json = graft(VIEWER, "status", "cluster/clidone/expand/r1", "-o", "json");
    assertEquals(0, json.code(), json.err());
    JsonNode op = JSON.readTree(json.out());
    assertEquals("done", op.get("state").asText());
    assertEquals(2, op.get("children").size());

    Run list = graft(VIEWER, "status", "-o", "json");
    assertEquals(0, list.code(), list.err());
    assertTrue(
        JSON.readTree(list.out())
            .get("operations")
            .toString()
            .contains("cluster/clidone/expand/r1"));
    Run listText = graft(VIEWER, "status");
    assertTrue(listText.out().contains("cluster/clidone/expand/r1"), listText.out());
  }

  @Test
  void needsAttentionExitsTwoAndSaysWhatToDoThenRetryFinishesIt() throws Exception {
    FakeWorkflows.failTimes("n3", "ready", 1);
    Path inv = file("cliattn.ini", inventory("cliattn", "n1", "n3"));
    String id = "cluster/cliattn/expand/r1";
    Run r =
        graft(
            OPERATOR,
            "expand",
            "-i",
            inv.toString(),
            "--request-id",
            "r1",
            "--watch",
            "--interval",
            "100");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("needs-attention"), r.out());
    assertTrue(r.out().contains("graft retry " + id + " --node n3 --step ready"), r.out());

    assertEquals(2, graft(VIEWER, "status", id).code());
    Run denied = graft(VIEWER, "retry", id, "--node", "n3");
    assertEquals(1, denied.code());
    assertTrue(denied.err().contains("operator role"), denied.err());
    Run noToken = graft(null, "retry", id, "--node", "n3");
    assertEquals(1, noToken.code());
    assertTrue(noToken.err().contains("--token"), noToken.err());

    Run retry = graft(OPERATOR, "retry", id, "--node", "n3", "--reason", "fixed the disk");
    assertEquals(0, retry.code(), retry.err());
    assertTrue(
        retry.out().contains("retry recorded on " + id + "/node/n3 step ready by otto"),
        retry.out());
    Run watch = graft(VIEWER, "status", id, "--watch", "--interval", "100");
    assertEquals(0, watch.code(), watch.out() + watch.err());

    Run history = graft(VIEWER, "history", id);
    assertEquals(0, history.code(), history.err());
    assertTrue(history.out().contains("retry ready by otto (fixed the disk)"), history.out());
    Run historyJson = graft(VIEWER, "history", id, "-o", "json");
    assertTrue(JSON.readTree(historyJson.out()).get("entries").size() > 5, historyJson.out());
  }

  @Test
  void anAbortedOperationExitsOne() throws Exception {
    FakeWorkflows.failTimes("a1", "reach", 1);
    Path inv = file("cliabort.ini", inventory("cliabort", "a1"));
    String id = "cluster/cliabort/expand/r1";
    assertEquals(
        2,
        graft(
                OPERATOR,
                "expand",
                "-i",
                inv.toString(),
                "--request-id",
                "r1",
                "--watch",
                "--interval",
                "100",
                "-o",
                "json")
            .code());
    Run abort = graft(OPERATOR, "abort", id, "--reason", "wrong rack");
    assertEquals(0, abort.code(), abort.err());
    Run watch = graft(VIEWER, "status", id, "--watch", "--interval", "100", "-o", "json");
    assertEquals(1, watch.code(), watch.out() + watch.err());
    assertEquals("aborted", JSON.readTree(watch.out()).get("state").asText());
  }

  @Test
  void badInputIsOneWithTheReasonAndStartsNothing() throws Exception {
    Path inv =
        file(
            "clibad.ini",
            inventory("clibad", "b1")
                .replace(
                    "b1 ansible_host=10.0.0.10", "b1 ansible_host=10.0.0.10 ansible_port=abc"));
    Run r = graft(OPERATOR, "expand", "-i", inv.toString(), "--request-id", "r1");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("clibad.ini:3: field ansible_port"), r.err());
    Run missing = graft(OPERATOR, "expand", "-i", F.dir.resolve("nope.ini").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("cannot read the inventory"), missing.err());
    assertEquals(1, graft(VIEWER, "status", "cluster/clibad/expand/r1").code());
  }
}
