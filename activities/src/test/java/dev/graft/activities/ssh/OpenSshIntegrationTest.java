package dev.graft.activities.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.common.Shell;
import dev.graft.activities.testing.RandomStrings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same client against a real OpenSSH sshd (root, 127.0.0.1, random port). */
class OpenSshIntegrationTest {
  private static final Duration T = Duration.ofSeconds(20);
  @TempDir static Path dir;
  static OpenSshTestServer sshd;
  static PublicKey hostKey;
  static SshConnectionPool pool;
  static SshExecutor shell;
  static SshTarget target;

  @BeforeAll
  static void start() throws Exception {
    OpenSshTestServer.requirePrereqs();
    // The client key comes from ssh-keygen, so loading real OpenSSH-written keys is covered too.
    Path key = dir.resolve("id_ed25519");
    OpenSshTestServer.run(
        OpenSshTestServer.KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
    sshd = OpenSshTestServer.start(dir, Files.readString(Path.of(key + ".pub")).trim());
    hostKey =
        PublicKeyEntry.parsePublicKeyEntry(sshd.hostKeyLine())
            .resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
    Path kh =
        SshTestKeys.writeKnownHosts(
            dir.resolve("known_hosts"), SshTestKeys.hashedEntry("127.0.0.1", sshd.port, hostKey));
    SshPoolSettings settings = SshPoolSettings.defaults();
    pool = new SshConnectionPool(settings);
    shell = new SshExecutor(pool, settings);
    target =
        new SshTarget("127.0.0.1", sshd.port, "root", key.toString(), kh.toString(), null, false);
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.close();
    }
    if (sshd != null) {
      sshd.close();
    }
  }

  private static CommandResult run(String script) {
    return shell.run(target, RemoteCommand.of(script, T));
  }

  @Test
  void runsCommandsWithExitCodesAndSeparateStreams() {
    CommandResult r = run("echo out; echo err >&2; exit 7");
    assertEquals(7, r.exitCode());
    assertEquals("out\n", r.stdoutTail());
    assertEquals("err\n", r.stderrTail());
    assertEquals("root\n", run("id -un").stdoutTail());
  }

  @Test
  void pinnedKeyWorksAndAChangedKeyIsRefusedWithBothFingerprints() throws Exception {
    assertEquals(
        "ok\n",
        shell
            .run(
                target.withKnownHosts(null).withHostKey(sshd.hostKeyLine()),
                RemoteCommand.of("echo ok", T))
            .stdoutTail());
    KeyPair other = SshTestKeys.ed25519();
    Path kh =
        SshTestKeys.writeKnownHosts(
            dir.resolve("kh-changed"),
            SshTestKeys.plainEntry("127.0.0.1", sshd.port, other.getPublic()));
    HostKeyMismatchException e =
        assertThrows(
            HostKeyMismatchException.class,
            () ->
                shell.run(
                    target.withKnownHosts(kh.toString()), RemoteCommand.of("touch /tmp/never", T)));
    assertTrue(e.getMessage().contains(HostKeyPolicy.fingerprint(hostKey)), e.getMessage());
    assertTrue(
        e.getMessage().contains(HostKeyPolicy.fingerprint(other.getPublic())), e.getMessage());
    Path empty = SshTestKeys.writeKnownHosts(dir.resolve("kh-empty"), "# nothing");
    UnknownHostKeyException u =
        assertThrows(
            UnknownHostKeyException.class,
            () -> shell.run(target.withKnownHosts(empty.toString()), RemoteCommand.of("true", T)));
    assertEquals(HostKeyPolicy.fingerprint(hostKey), u.seenFingerprint());
  }

  @Test
  void timeoutKillsTheRemoteProcessGroup() throws Exception {
    String marker = "29." + (100000 + new Random().nextInt(899999));
    long start = System.nanoTime();
    assertThrows(
        SshCommandTimeoutException.class,
        () ->
            shell.run(
                target,
                RemoteCommand.of("sleep " + marker + "; echo never", Duration.ofSeconds(1))));
    assertTrue((System.nanoTime() - start) / 1_000_000 < 3000);
    // sshd runs on this machine, so its children are visible here: the sleep must be gone. For a
    // root login
    // OpenSSH ignores the "signal" request, so this is the remote `timeout` at work (deadline + 1
    // s).
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    boolean alive = true;
    while (alive && System.nanoTime() < deadline) {
      alive =
          ProcessHandle.allProcesses()
              .anyMatch(p -> p.info().commandLine().orElse("").contains(marker));
      Thread.sleep(50);
    }
    assertFalse(alive, "remote sleep survived the timeout");
  }

  @Test
  void commandsReuseOneConnection() {
    // The script's parent is the remote `timeout`, whose parent is the sshd process serving the
    // connection: one
    // value means one connection. (Field 4 of /proc/<pid>/stat is the parent pid.)
    Set<String> parents = new HashSet<>();
    long connects = pool.connectsTotal();
    for (int i = 0; i < 10; i++) {
      parents.add(run("cut -d ' ' -f 4 /proc/$PPID/stat").stdoutTail());
    }
    assertEquals(1, parents.size(), parents.toString());
    assertTrue(pool.connectsTotal() - connects <= 1);
  }

  @Test
  void twentyParallelCommandsStayWithinMaxSessions() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(20);
    try {
      List<Future<CommandResult>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int n = i;
        futures.add(threads.submit(() -> run("sleep 0.3; echo " + n)));
      }
      for (int i = 0; i < 20; i++) {
        CommandResult r = futures.get(i).get();
        assertEquals(i + "\n", r.stdoutTail(), r.stderrTail());
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void putFileAndQuotingThroughOpenSsh() throws Exception {
    Path file = dir.resolve("put test/it's.conf");
    Files.createDirectories(file.getParent());
    shell.putFile(target, file.toString(), "a=1\n".getBytes(StandardCharsets.UTF_8), 0600, T);
    assertEquals("a=1\n", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Random random = new Random(11);
    for (int i = 0; i < 20; i++) {
      String value = RandomStrings.nasty(random, 60);
      assertEquals(value, run(Shell.command("printf", "%s", value)).stdoutTail());
    }
  }
}
