package dev.graft.server.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real one-member etcd (Debian's etcd-server) on loopback ports, for tests that plan against a
 * cluster: its data and log under the test's directory, stopped by its PID in {@link #close}.
 */
public final class LocalEtcd implements AutoCloseable {
  public static final Path ETCD = Path.of("/usr/bin/etcd");

  private final Process process;
  private final String clientUrl;

  private LocalEtcd(Process process, String clientUrl) {
    this.process = process;
    this.clientUrl = clientUrl;
  }

  /** Starts member {@code cp1} with http client and peer URLs on free loopback ports. */
  public static LocalEtcd start(Path dir) throws IOException {
    Prereqs.require("etcd", ETCD);
    String c = "http://127.0.0.1:" + freePort();
    String p = "http://127.0.0.1:" + freePort();
    Process process =
        new ProcessBuilder(
                ETCD.toString(),
                "--name",
                "cp1",
                "--data-dir",
                dir.resolve("etcd").toString(),
                "--listen-client-urls",
                c,
                "--advertise-client-urls",
                c,
                "--listen-peer-urls",
                p,
                "--initial-advertise-peer-urls",
                p,
                "--initial-cluster",
                "cp1=" + p)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile())
            .start();
    return new LocalEtcd(process, c);
  }

  /** Its client URL, e.g. {@code http://127.0.0.1:40123}. */
  public String clientUrl() {
    return clientUrl;
  }

  /** A free TCP port on loopback (for etcd's ports, or a peer URL nothing listens on). */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
