package dev.graft.server.operations;

import static dev.graft.server.operations.OperationsFixture.OPERATOR;
import static dev.graft.server.operations.OperationsFixture.VIEWER;
import static dev.graft.server.operations.OperationsFixture.inventory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.server.GraftApplication;
import dev.graft.server.cli.ops.CliExit;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: {@code graft status --watch} and {@code graft expand --watch} follow an operation
 * through a restart of the server's HTTP side (Temporal and the worker run on): they say the server
 * is unreachable, keep polling, and end with the operation's real exit code once the server answers
 * again, even when the operation changed state during the outage.
 */
class WatchRestartTest {
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

  /** Runs the CLI in a thread of its own, as a second terminal would. */
  static CompletableFuture<Run> graft(String token, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", F.url(), "--token", token));
    return CompletableFuture.supplyAsync(
        () -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          ByteArrayOutputStream err = new ByteArrayOutputStream();
          int code;
          try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
              PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code =
                new GraftApplication()
                    .cli(o, e)
                    .run(all.toArray(String[]::new))
                    .map(t -> t instanceof CliExit x ? x.code() : 1)
                    .orElse(0);
          } catch (Exception x) {
            throw new IllegalStateException(x);
          }
          return new Run(
              code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        });
  }

  /**
   * How long the server's HTTP side is down: 4 s in the build; {@code -Dgraft.watch.outage=60}
   * shows the 60 s restart by hand (the watches' --unreachable-timeout is kept above it).
   */
  private static final int OUTAGE_SECONDS = Integer.getInteger("graft.watch.outage", 4);

  @Test
  void watchesRideOutAServerRestartAndEndWithTheOperationsExitCode() throws Exception {
    String id = "cluster/restart/expand/r1";
    FakeWorkflows.Hold hold = FakeWorkflows.hold("wr1", "join");
    Path inv = Files.writeString(F.dir.resolve("restart.ini"), inventory("restart", "wr1"));
    CompletableFuture<Run> expand =
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
            "--unreachable-timeout",
            Math.max(60, OUTAGE_SECONDS + 60) + "s");
    assertTrue(hold.entered().await(20, TimeUnit.SECONDS), "the join step started");
    CompletableFuture<Run> status = graft(VIEWER, "status", id, "--watch", "--interval", "100");
    F.await(id, op -> op.path("state").asText().equals("running"));
    Thread.sleep(300); // both watches have polled at least once

    F.stopServer();
    // The operation goes on in Temporal while nobody answers HTTP: the held step fails, and the
    // node waits for an operator.
    FakeWorkflows.failTimes("wr1", "join", 1);
    hold.release().countDown();
    Thread.sleep(OUTAGE_SECONDS * 1000L);
    assertTrue(!expand.isDone() && !status.isDone(), "the watches wait through the outage");
    System.out.printf(
        "watch restart: the server's HTTP side was down %d s; both watches waited%n",
        OUTAGE_SECONDS);
    F.startServerAgain();

    for (CompletableFuture<Run> f : List.of(expand, status)) {
      Run r = f.get(60, TimeUnit.SECONDS);
      assertEquals(2, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("server unreachable, retrying for up to"), r.err());
      assertTrue(r.err().contains("server reachable again after"), r.err());
      assertTrue(r.out().contains("needs-attention"), r.out());
      assertTrue(r.out().contains("graft retry " + id + " --node wr1 --step join"), r.out());
    }
    assertTrue(expand.get().out().contains("accepted: " + id), expand.get().out());

    // A non-transient answer still ends at once: an unknown operation is 404, exit 1.
    Run missing =
        graft(VIEWER, "status", "cluster/restart/expand/nope", "--watch").get(20, TimeUnit.SECONDS);
    assertEquals(1, missing.code(), missing.err());
    assertTrue(!missing.err().contains("retrying"), missing.err());
  }
}
