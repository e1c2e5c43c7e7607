package dev.graft.activities.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.common.Shell;
import dev.graft.activities.testing.RandomStrings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands, files, timeouts, pooling and concurrency against a real in-process SSH server running
 * /bin/sh.
 */
class SshExecutorTest {
  private static final Duration T = Duration.ofSeconds(20);
  @TempDir static Path dir;
  static KeyPair hostKey;
  static MinaTestServer server;
  static SshPoolSettings settings;
  static SshConnectionPool pool;
  static SshExecutor shell;
  static SshTarget target;

  @BeforeAll
  static void start() throws Exception {
    hostKey = SshTestKeys.ed25519();
    KeyPair client = SshTestKeys.ed25519();
    Path key = SshTestKeys.writePrivateKey(dir.resolve("id"), client);
    // A stand-in sudo on the server's PATH: it checks the flags Graft must pass and runs the rest,
    // so the
    // double quoting of the sudo wrapper is exercised end to end (no real sudo is installed on this
    // machine).
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path sudo = bin.resolve("sudo");
    Files.writeString(
        sudo,
        "#!/bin/sh\n[ \"$1\" = -n ] && [ \"$2\" = -- ] || { echo 'sudo stand-in: expected -n --' >&2;"
            + " exit 99; }\nshift 2\nSUDO_STANDIN=1 exec \"$@\"\n");
    Files.setPosixFilePermissions(sudo, PosixFilePermissions.fromString("rwxr-xr-x"));
    String path = bin + ":" + System.getenv("PATH");
    server = MinaTestServer.start(dir, List.of(hostKey), client.getPublic(), Map.of("PATH", path));
    Path kh =
        SshTestKeys.writeKnownHosts(
            dir.resolve("known_hosts"),
            SshTestKeys.hashedEntry("127.0.0.1", server.port(), hostKey.getPublic()));
    settings = SshPoolSettings.defaults();
    pool = new SshConnectionPool(settings);
    shell = new SshExecutor(pool, settings);
    target =
        new SshTarget(
            "127.0.0.1", server.port(), "root", key.toString(), kh.toString(), null, false);
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close();
    server.close();
  }

  @BeforeEach
  void warm() {
    shell.run(target, RemoteCommand.of("true", T));
  }

  private static CommandResult run(String script) {
    return shell.run(target, RemoteCommand.of(script, T));
  }

  @Test
  void capturesExitCodeStdoutAndStderrSeparately() {
    CommandResult r = run("echo out; echo err >&2; exit 3");
    assertEquals(3, r.exitCode());
    assertEquals("out\n", r.stdoutTail());
    assertEquals("err\n", r.stderrTail());
    assertEquals(4, r.stdoutBytes());
    assertFalse(r.succeeded());
    assertTrue(run("true").succeeded());
  }

  @Test
  void feedsStdinAndGivesEofWhenThereIsNone() {
    byte[] data = "line1\nline2\n".getBytes(StandardCharsets.UTF_8);
    CommandResult r = shell.run(target, RemoteCommand.of("wc -l", T).withStdin(data));
    assertEquals("2", r.stdoutTail().strip());
    // cat without stdin must see EOF at once rather than hang until the timeout.
    CommandResult empty = shell.run(target, RemoteCommand.of("cat", Duration.ofSeconds(5)));
    assertTrue(empty.succeeded());
    assertEquals(0, empty.stdoutBytes());
  }

  @Test
  void timeoutStopsSleepWellBeforeItWouldEndAndKillsIt() throws Exception {
    String marker = "29." + (100000 + new Random().nextInt(899999));
    long start = System.nanoTime();
    SshCommandTimeoutException e =
        assertThrows(
            SshCommandTimeoutException.class,
            () ->
                shell.run(
                    target,
                    RemoteCommand.of("echo started; sleep " + marker, Duration.ofSeconds(1))));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 3000, "took " + millis + " ms");
    assertTrue(e.getMessage().contains("1000 ms"), e.getMessage());
    assertNotNull(e.partial());
    assertEquals("started\n", e.partial().stdoutTail());
    assertTrue(e.retryable());
    Thread.sleep(300);
    assertFalse(
        ProcessHandle.allProcesses()
            .anyMatch(p -> p.info().commandLine().orElse("").contains(marker)),
        "the remote sleep is still running");
    assertTrue(
        run("echo still-usable").succeeded(), "the pooled session survives a command timeout");
  }

  @Test
  void keepsOnlyTheTailButCountsEverything() {
    CommandResult r =
        shell.run(
            target,
            RemoteCommand.of("i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done", T)
                .withTailBytes(1024));
    assertEquals(1024, r.stdoutTail().length());
    assertTrue(r.stdoutTail().endsWith("line-1999\n"), r.stdoutTail());
    assertTrue(r.stdoutTruncated());
    long expected = 0;
    for (int i = 0; i < 2000; i++) {
      expected += ("line-" + i + "\n").length();
    }
    assertEquals(expected, r.stdoutBytes());
  }

  @Test
  void streamsLinesToTheListenerAsTheyArrive() {
    List<String> lines = new CopyOnWriteArrayList<>();
    shell.run(
        target,
        RemoteCommand.of("echo a; echo b >&2; printf 'c-no-newline'", T)
            .withListener((kind, line) -> lines.add(kind + ":" + line)));
    assertTrue(
        lines.containsAll(List.of("STDOUT:a", "STDERR:b", "STDOUT:c-no-newline")),
        lines.toString());
    assertEquals(3, lines.size());
  }

  @Test
  void aFailingListenerStopsTheCommandAndItsFailureSurfaces() {
    IllegalStateException cancel = new IllegalStateException("activity cancelled");
    long start = System.nanoTime();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                shell.run(
                    target,
                    RemoteCommand.of("echo first; sleep 20", T)
                        .withListener(
                            (kind, line) -> {
                              throw cancel;
                            })));
    assertSame(cancel, e);
    assertTrue((System.nanoTime() - start) / 1_000_000 < 3000);
  }

  @Test
  void sudoTargetsWrapTheScriptAndKeepItsQuoting() {
    SshTarget sudo = target.withSudo(true);
    CommandResult r =
        shell.run(
            sudo,
            RemoteCommand.of(
                Shell.command("printf", "%s|%s", "it's \"quoted\"", "$HOME `x` ;")
                    + "; echo \" $SUDO_STANDIN\"",
                T));
    assertEquals("it's \"quoted\"|$HOME `x` ; 1\n", r.stdoutTail(), r.stderrTail());
    assertEquals(
        "sudo -n -- sh -c ''\\''echo'\\'' '\\''a b'\\'''",
        Shell.sudo(Shell.command("echo", "a b")));
  }

  @Test
  void quotedArgumentsRoundTripThroughTheRemoteShell() {
    Random random = new Random(7);
    for (int i = 0; i < 30; i++) {
      String value = RandomStrings.nasty(random, 40);
      CommandResult r = run(Shell.command("printf", "%s", value));
      assertEquals(value, r.stdoutTail(), "value #" + i);
    }
  }

  @Test
  void putFileWritesAtomicallyWithModeAndReadFileReturnsBytes() throws Exception {
    Path file = dir.resolve("etc/graft/config file's.conf");
    Files.createDirectories(file.getParent());
    byte[] content = new byte[70_000];
    new Random(1).nextBytes(content);
    shell.putFile(target, file.toString(), content, 0640, T);
    assertArrayEquals(content, Files.readAllBytes(file));
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertArrayEquals(content, shell.readFile(target, file.toString(), 100_000, T));
    // Overwrite: the rename replaces the file; no temporary file is left behind.
    shell.putFile(target, file.toString(), "v2\n".getBytes(StandardCharsets.UTF_8), 0600, T);
    assertEquals("v2\n", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (var listing = Files.list(file.getParent())) {
      assertEquals(
          List.of(file.getFileName().toString()),
          listing.map(p -> p.getFileName().toString()).toList());
    }
    assertThrows(
        RemoteCommandFailedException.class,
        () -> shell.readFile(target, file.toString(), 2, T),
        "a file larger than maxBytes is refused");
  }

  @Test
  void putFileIntoAMissingDirectoryFailsAndLeavesNothing() {
    RemoteCommandFailedException e =
        assertThrows(
            RemoteCommandFailedException.class,
            () ->
                shell.putFile(
                    target, dir.resolve("no/such/dir/f").toString(), new byte[] {1}, 0644, T));
    assertTrue(e.getMessage().contains("writing"), e.getMessage());
    assertThrows(
        RemoteCommandFailedException.class,
        () -> shell.readFile(target, dir.resolve("missing").toString(), 10, T));
  }

  @Test
  void manyCommandsShareOneSession() {
    int before = server.sessionsCreated.get();
    for (int i = 0; i < 25; i++) {
      assertEquals(i + "\n", run("echo " + i).stdoutTail());
    }
    assertEquals(before, server.sessionsCreated.get(), "no new SSH session for 25 commands");
    assertEquals(1, pool.openSessions());
  }

  @Test
  void twentyParallelCommandsOverThePool() throws Exception {
    int before = server.sessionsCreated.get();
    ExecutorService threads = Executors.newFixedThreadPool(20);
    try {
      List<Future<CommandResult>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int n = i;
        futures.add(threads.submit(() -> run("sleep 0.2; echo " + n)));
      }
      for (int i = 0; i < 20; i++) {
        assertEquals(i + "\n", futures.get(i).get().stdoutTail());
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals(
        before, server.sessionsCreated.get(), "parallel commands share the pooled session");
  }

  @Test
  void reconnectsAfterTheServerRestarts() throws Exception {
    assertTrue(run("true").succeeded());
    long connects = pool.connectsTotal();
    server.restart();
    assertEquals("back\n", run("echo back").stdoutTail());
    assertEquals(connects + 1, pool.connectsTotal());
  }

  @Test
  void idleSessionsAreClosedAndReopenedOnDemand() {
    try (SshConnectionPool shortPool =
        new SshConnectionPool(settings.withIdleTimeout(Duration.ofMillis(300)))) {
      SshExecutor s = new SshExecutor(shortPool, settings);
      assertTrue(s.run(target, RemoteCommand.of("true", T)).succeeded());
      assertEquals(1, shortPool.openSessions());
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (shortPool.openSessions() > 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(0, shortPool.openSessions(), "the idle sweeper closed the session");
      assertTrue(s.run(target, RemoteCommand.of("true", T)).succeeded());
      assertEquals(2, shortPool.connectsTotal());
    }
  }

  @Test
  void connectionRefusedIsRetryableUnreachable() throws Exception {
    int freePort;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      freePort = socket.getLocalPort();
    }
    SshTarget nowhere =
        new SshTarget(
            "127.0.0.1", freePort, "root", target.keyRef(), target.knownHosts(), null, false);
    SshUnreachableException e =
        assertThrows(
            SshUnreachableException.class, () -> shell.run(nowhere, RemoteCommand.of("true", T)));
    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
  }
}
