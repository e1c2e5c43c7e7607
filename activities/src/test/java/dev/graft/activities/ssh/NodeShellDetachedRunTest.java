package dev.graft.activities.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detached runs over a real in-process SSH server (MINA, commands run by /bin/sh): a command
 * survives the SSH connection that started it, and the next attempt attaches to it or takes its
 * result instead of running it again.
 */
class NodeShellDetachedRunTest {
  @TempDir static Path dir;
  static MinaTestServer server;
  static NodeSpec node;
  static Path runs;

  private final AtomicReference<NodeShell> current = new AtomicReference<>();
  private SshConnectionPool pool;
  private TestActivityEnvironment env;
  private Detached stub;

  /** Each call is one activity attempt using the current NodeShell. */
  @ActivityInterface(namePrefix = "DetachedTest.")
  public interface Detached {
    String launch(String key, String script);

    String resume(String key);
  }

  static String describe(NodeShell.DetachedRun run) {
    return (run.resumed() ? "resumed" : "fresh")
        + "|"
        + run.result().exitCode()
        + "|"
        + run.result().stdoutTail();
  }

  @BeforeAll
  static void startServer() throws Exception {
    KeyPair hostKey = SshTestKeys.ed25519();
    KeyPair client = SshTestKeys.ed25519();
    Path key = SshTestKeys.writePrivateKey(dir.resolve("id"), client);
    server =
        MinaTestServer.start(
            dir, List.of(hostKey), client.getPublic(), Map.of("PATH", System.getenv("PATH")));
    Path kh =
        SshTestKeys.writeKnownHosts(
            dir.resolve("known_hosts"),
            SshTestKeys.hashedEntry("127.0.0.1", server.port(), hostKey.getPublic()));
    node =
        new NodeSpec(
            "n1",
            "127.0.0.1",
            null,
            List.of(Role.WORKER),
            new SshSpec("root", server.port(), key.toString(), false, null, kh.toString()),
            null,
            null,
            null);
    runs = Files.createDirectories(dir.resolve("runs"));
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void worker() {
    newShell();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new Detached() {
          @Override
          public String launch(String key, String script) {
            return describe(
                current
                    .get()
                    .runDetached(node, key, "test", script, Duration.ofSeconds(30), List.of()));
          }

          @Override
          public String resume(String key) {
            return current
                .get()
                .resumeDetached(node, key, "test", Duration.ofSeconds(30), List.of())
                .map(NodeShellDetachedRunTest::describe)
                .orElse("none");
          }
        });
    stub =
        env.newActivityStub(
            Detached.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build());
  }

  /** A fresh pool and shell: what a new worker process has. */
  private void newShell() {
    SshPoolSettings settings = SshPoolSettings.defaults();
    pool = new SshConnectionPool(settings);
    current.set(new NodeShell(new SshExecutor(pool, settings), runs.toString()));
  }

  @AfterEach
  void close() {
    env.close();
    pool.close();
  }

  @Test
  void aCommandRunsOnceAndItsOutputStreamsBack() throws Exception {
    Path count = dir.resolve("once.count");
    String out = stub.launch("once", "echo first; echo x >> " + count + "; echo second");
    assertTrue(out.startsWith("fresh|0|"), out);
    assertTrue(out.contains("first") && out.contains("second"), out);
    assertEquals(1, Files.readAllLines(count).size());
    // Asked again under the same key, it reports the earlier result and does not run again.
    String again = stub.launch("once", "echo first; echo x >> " + count + "; echo second");
    assertTrue(again.startsWith("resumed|0|"), again);
    assertTrue(again.contains("second"), again);
    assertEquals(1, Files.readAllLines(count).size(), "ran a second time");
  }

  @Test
  void aRunOutlivesItsConnectionAndTheNextAttemptAttachesToIt() throws Exception {
    Path gate = dir.resolve("gate");
    Path count = dir.resolve("attach.count");
    String script =
        "echo started; echo x >> "
            + count
            + "; while [ ! -f "
            + gate
            + " ]; do sleep 0.1; done; echo finished";
    CompletableFuture<String> first =
        CompletableFuture.supplyAsync(() -> stub.launch("attach", script));
    Path pid = runs.resolve("attach/attempt-1/pid");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!(Files.exists(pid) && Files.exists(count)) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(count), "the command never started");
    // The worker dies: its SSH connections go away with it.
    pool.close();
    assertThrows(Exception.class, () -> first.get(20, TimeUnit.SECONDS));
    long livePid = Long.parseLong(Files.readString(pid).trim());
    assertTrue(
        ProcessHandle.of(livePid).map(ProcessHandle::isAlive).orElse(false),
        "the detached command died with its connection");

    newShell();
    CompletableFuture<String> resumed = CompletableFuture.supplyAsync(() -> stub.resume("attach"));
    Thread.sleep(300);
    assertFalse(
        resumed.isDone(),
        "resume returned before the command finished: " + (resumed.isDone() ? resumed.get() : ""));
    Files.writeString(gate, "go");
    String out = resumed.get(20, TimeUnit.SECONDS);
    assertTrue(out.startsWith("resumed|0|"), out);
    assertTrue(out.contains("started") && out.contains("finished"), out);
    assertEquals(1, Files.readAllLines(count).size(), "the command ran twice");
  }

  @Test
  void aFailedRunIsNotResumedAndRunsAgainKeepingTheOldLog() throws Exception {
    Path count = dir.resolve("fail.count");
    String script =
        "echo x >> "
            + count
            + "; [ $(wc -l < "
            + count
            + ") -ge 2 ] || { echo boom; exit 3; }; echo ok";
    String out = stub.launch("fail", script);
    assertTrue(out.startsWith("fresh|3|"), out);
    assertEquals("none", stub.resume("fail"), "a failed run is not something to attach to");
    String second = stub.launch("fail", script);
    assertTrue(second.startsWith("fresh|0|"), second);
    assertTrue(second.contains("ok") && !second.contains("boom"), second);
    assertTrue(
        Files.readString(runs.resolve("fail/attempt-1/log")).contains("boom"),
        "the failed attempt's log is kept");
    assertEquals("3", Files.readString(runs.resolve("fail/attempt-1/rc")).strip());
    assertTrue(
        Files.readString(runs.resolve("fail/attempt-2/log")).contains("ok"),
        "the second attempt has its own dir");
    assertEquals("0", Files.readString(runs.resolve("fail/attempt-2/rc")).strip());
  }

  @Test
  void pruningRemovesFinishedRunsAndKeepsOneStillRunning() throws Exception {
    Path gate = dir.resolve("prune-gate");
    stub.launch("prune-done", "echo done");
    CompletableFuture<String> live =
        CompletableFuture.supplyAsync(
            () ->
                stub.launch(
                    "prune-live",
                    "while [ ! -f " + gate + " ]; do sleep 0.1; done; echo finished"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(runs.resolve("prune-live/attempt-1/pid"))
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Prune prune = pruneStub();
    assertTrue(prune.prune() >= 1);
    assertFalse(Files.exists(runs.resolve("prune-done")), "a finished run was kept");
    assertTrue(Files.exists(runs.resolve("prune-live/attempt-1/pid")), "a running run was pruned");
    Files.writeString(gate, "go");
    assertTrue(live.get(20, TimeUnit.SECONDS).startsWith("fresh|0|"));
  }

  @ActivityInterface(namePrefix = "PruneTest.")
  public interface Prune {
    int prune();
  }

  private Prune pruneStub() {
    TestActivityEnvironment other = TestActivityEnvironment.newInstance();
    other.registerActivitiesImplementations((Prune) () -> current.get().pruneRuns(node));
    return other.newActivityStub(
        Prune.class,
        ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build());
  }

  @Test
  void nothingToResumeUnderAnUnknownKey() {
    assertEquals("none", stub.resume("never-started"));
  }

  @Test
  void runKeysKeepOnlySafeCharactersAndStayDistinct() {
    String a = NodeShell.runKey("cluster/lab/expand/1/node/n-2", "kubeadm-join");
    String b = NodeShell.runKey("cluster/lab/expand/1/node/n_2", "kubeadm-join");
    assertTrue(a.matches("[A-Za-z0-9._-]+"), a);
    assertFalse(a.equals(b), "keys that differ only in replaced characters collide");
    assertTrue(NodeShell.runKey("a;rm -rf /", "x").matches("[A-Za-z0-9._-]+"));
  }
}
