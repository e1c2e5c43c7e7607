package dev.graft.activities.ssh;

import dev.graft.activities.testing.Prereqs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd started by the test: 127.0.0.1 on a free high port, its own host key, config
 * and authorized_keys in a temp dir, key-only root login. Needs root (sshd's privilege separation)
 * and /usr/sbin/sshd; see {@link Prereqs}. Stopped by PID, together with the per-connection
 * children it forked.
 */
final class OpenSshTestServer implements AutoCloseable {
  static final String SSHD = "/usr/sbin/sshd";
  static final String KEYGEN = "/usr/bin/ssh-keygen";

  final Path dir;
  final Path hostKeyPub;
  final int port;
  private final Process process;

  private OpenSshTestServer(Path dir, Path hostKeyPub, int port, Process process) {
    this.dir = dir;
    this.hostKeyPub = hostKeyPub;
    this.port = port;
    this.process = process;
  }

  /** Skips (or fails under GRAFT_REQUIRE_PREREQS=1) when OpenSSH or root is missing. */
  static void requirePrereqs() {
    Prereqs.requireExecutable("OpenSSH server", SSHD);
    Prereqs.requireExecutable("ssh-keygen", KEYGEN);
    Prereqs.requireRoot("sshd needs root for privilege separation and to log in as root");
  }

  static OpenSshTestServer start(Path dir, String authorizedKeyLine)
      throws IOException, InterruptedException {
    requirePrereqs();
    Path hostKey = dir.resolve("ssh_host_ed25519_key");
    run(KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "graft-test-host", "-f", hostKey.toString());
    Files.writeString(dir.resolve("authorized_keys"), authorizedKeyLine + "\n");
    // sshd refuses to start without its privilege separation directory; Debian creates it only at
    // boot.
    Files.createDirectories(Path.of("/run/sshd"));
    int port = freePort();
    Path config = dir.resolve("sshd_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            List.of(
                "ListenAddress 127.0.0.1",
                "Port " + port,
                "HostKey " + hostKey,
                "PidFile none",
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowUsers root",
                "UsePAM no",
                "StrictModes no",
                "MaxStartups 200",
                "MaxSessions 10",
                "LogLevel " + System.getenv().getOrDefault("GRAFT_SSHD_LOGLEVEL", "ERROR"),
                "")));
    Process process =
        new ProcessBuilder(SSHD, "-D", "-e", "-f", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sshd.log").toFile())
            .start();
    OpenSshTestServer server = new OpenSshTestServer(dir, Path.of(hostKey + ".pub"), port, process);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!accepts(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IOException("sshd did not start: " + Files.readString(dir.resolve("sshd.log")));
      }
      Thread.sleep(20);
    }
    return server;
  }

  String hostKeyLine() throws IOException {
    String[] parts = Files.readString(hostKeyPub).trim().split(" ");
    return parts[0] + " " + parts[1];
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static void run(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", argv) + " failed: " + out);
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
