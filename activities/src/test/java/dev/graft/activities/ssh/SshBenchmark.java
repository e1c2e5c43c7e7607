package dev.graft.activities.ssh;

import dev.graft.activities.testing.Prereqs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints what connection reuse buys: a fresh login plus a trivial command versus the same command
 * on an open session, against the in-process MINA server and a real OpenSSH sshd, and the stock
 * OpenSSH client for reference. Not part of the normal build (tag "benchmark"). Rerun with:
 *
 * <pre>mvn -B -o -pl activities -am -Dgroups=benchmark -DexcludedGroups= -Dtest=SshBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false test</pre>
 *
 * The figures go to
 * activities/target/surefire-reports/dev.graft.activities.ssh.SshBenchmark-output.txt.
 */
@Tag("benchmark")
class SshBenchmark {
  private static final int REUSED = 200;
  private static final int FRESH = 100;
  private static final int OPENSSH_CLIENT = 50;
  private static final Duration T = Duration.ofSeconds(30);
  @TempDir Path dir;

  @Test
  void loginVersusReusedSession() throws Exception {
    KeyPair hostKey = SshTestKeys.ed25519();
    KeyPair client = SshTestKeys.ed25519();
    Path key = SshTestKeys.writePrivateKey(dir.resolve("id"), client);
    try (MinaTestServer mina =
        MinaTestServer.start(dir, List.of(hostKey), client.getPublic(), Map.of())) {
      Path kh =
          SshTestKeys.writeKnownHosts(
              dir.resolve("kh-mina"),
              SshTestKeys.plainEntry("127.0.0.1", mina.port(), hostKey.getPublic()));
      measure(
          "MINA in-process sshd",
          new SshTarget(
              "127.0.0.1", mina.port(), "root", key.toString(), kh.toString(), null, false));
    }
    if (!Prereqs.required() && !Files.isExecutable(Path.of(OpenSshTestServer.SSHD))) {
      System.out.println("OpenSSH sshd not available; skipped its figures");
      return;
    }
    Path okey = dir.resolve("id_ed25519");
    OpenSshTestServer.run(
        OpenSshTestServer.KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", okey.toString());
    Path sshdDir = Files.createDirectories(dir.resolve("sshd"));
    try (OpenSshTestServer sshd =
        OpenSshTestServer.start(sshdDir, Files.readString(Path.of(okey + ".pub")).trim())) {
      PublicKey hk =
          PublicKeyEntry.parsePublicKeyEntry(sshd.hostKeyLine())
              .resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
      Path kh =
          SshTestKeys.writeKnownHosts(
              dir.resolve("kh-openssh"), SshTestKeys.plainEntry("127.0.0.1", sshd.port, hk));
      measure(
          "OpenSSH sshd",
          new SshTarget(
              "127.0.0.1", sshd.port, "root", okey.toString(), kh.toString(), null, false));
      opensshClient(sshd.port, okey, kh);
    }
  }

  private static void measure(String server, SshTarget target) {
    SshPoolSettings settings = SshPoolSettings.defaults();
    try (SshConnectionPool pool = new SshConnectionPool(settings)) {
      SshExecutor shell = new SshExecutor(pool, settings);
      RemoteCommand command = RemoteCommand.of("true", T);
      for (int i = 0; i < 20; i++) { // warm up the JIT and the server
        shell.run(target, command);
        pool.evictAll();
      }
      List<Long> fresh = new ArrayList<>();
      for (int i = 0; i < FRESH; i++) {
        pool.evictAll();
        long start = System.nanoTime();
        shell.run(target, command);
        fresh.add(System.nanoTime() - start);
      }
      List<Long> reused = new ArrayList<>();
      for (int i = 0; i < REUSED; i++) {
        long start = System.nanoTime();
        shell.run(target, command);
        reused.add(System.nanoTime() - start);
      }
      print(server + ": new login + `true`", fresh);
      print(server + ": `true` on the pooled session", reused);
    }
  }

  /**
   * The stock OpenSSH client, one process and login per command, as a shell-script orchestrator
   * would do.
   */
  private static void opensshClient(int port, Path key, Path knownHosts) throws Exception {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < OPENSSH_CLIENT; i++) {
      long start = System.nanoTime();
      Process p =
          new ProcessBuilder(
                  "ssh",
                  "-F",
                  "/dev/null",
                  "-p",
                  Integer.toString(port),
                  "-i",
                  key.toString(),
                  "-o",
                  "BatchMode=yes",
                  "-o",
                  "StrictHostKeyChecking=yes",
                  "-o",
                  "UserKnownHostsFile=" + knownHosts,
                  "root@127.0.0.1",
                  "true")
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("ssh client failed");
      }
      times.add(System.nanoTime() - start);
    }
    print("OpenSSH sshd: stock `ssh` client, new process + login + `true`", times);
  }

  private static void print(String what, List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    double median = sorted.get(sorted.size() / 2) / 1e6;
    double p95 = sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1) / 1e6;
    System.out.printf(
        "BENCH %-70s n=%3d median=%7.2f ms p95=%7.2f ms%n", what, sorted.size(), median, p95);
  }
}
