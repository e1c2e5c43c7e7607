package dev.graft.lab.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The systemctl and containerd stand-ins on a sandbox host, with a real etcd as the unit. */
class SystemctlStandinTest {
  private static final Duration T = Duration.ofSeconds(30);
  @TempDir Path dir;
  LocalSandboxHost host;

  @BeforeEach
  void install() throws Exception {
    host = new LocalSandboxHost("sys-1", dir);
    StandinInstaller.install(host, StandinConfig.ofThisJvm("v1.32.0"));
  }

  @AfterEach
  void cleanup() {
    host.close();
  }

  @Test
  void containerdStandinAnswersVersionAndHoldsItsSocket() throws Exception {
    ExecResult v = host.exec(T, "containerd", "--version");
    assertEquals(0, v.exitCode());
    assertTrue(v.stdout().startsWith("containerd github.com/containerd/containerd v1.7"));
    assertEquals("active\n", host.exec(T, "systemctl", "is-active", "containerd").stdout());
    Path sock = host.path("/run/containerd/containerd.sock");
    ApiStandinTest.await(() -> Files.exists(sock));
    try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      assertTrue(ch.connect(java.net.UnixDomainSocketAddress.of(sock)));
    }
    assertEquals("enabled\n", host.exec(T, "systemctl", "is-enabled", "kubelet").stdout());
  }

  @Test
  void startsAndStopsAnEtcdUnitByItsPid() throws Exception {
    Prereqs.require("etcd", Path.of("/usr/bin/etcd"));
    int client = freePort();
    int peer = freePort();
    String data = host.rootPrefix() + "/var/lib/etcd";
    host.writeFile(
        "/etc/systemd/system/etcd.service",
        "[Unit]\nDescription=etcd\n[Service]\n"
            + "Environment=\"ETCD_NAME=sys-1\"\n"
            + "ExecStart=/usr/bin/etcd --data-dir="
            + data
            + " --listen-client-urls=http://127.0.0.1:"
            + client
            + " --advertise-client-urls=http://127.0.0.1:"
            + client
            + " --listen-peer-urls=http://127.0.0.1:"
            + peer
            + " --initial-advertise-peer-urls=http://127.0.0.1:"
            + peer
            + " --initial-cluster=sys-1=http://127.0.0.1:"
            + peer
            + "\n",
        "0644");
    assertEquals(3, host.exec(T, "systemctl", "is-active", "etcd").exitCode());
    ExecResult start = host.exec(T, "systemctl", "start", "etcd");
    assertEquals(0, start.exitCode(), start.stderr());
    assertEquals("active\n", host.exec(T, "systemctl", "is-active", "etcd").stdout());
    ExecResult status = host.exec(T, "systemctl", "status", "etcd");
    assertEquals(0, status.exitCode());
    assertTrue(status.stdout().contains("Active: active (running)"), status.stdout());
    long pid =
        Long.parseLong(
            Files.readString(host.path("/run/graft-lab/units/etcd.service.pid")).strip());
    assertTrue(ProcessHandle.of(pid).orElseThrow().info().command().orElse("").endsWith("etcd"));
    HttpClient http = HttpClient.newHttpClient();
    ApiStandinTest.await(
        () -> {
          try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + client + "/health"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body()
                .contains("true");
          } catch (Exception e) {
            return false;
          }
        });
    assertEquals(0, host.exec(T, "systemctl", "start", "etcd").exitCode(), "start is idempotent");
    // As systemd: a running unit whose file is deleted (and daemon-reloaded) stays loaded, so it
    // still reports active and stop still stops it; a new start of it is refused.
    String unit = Files.readString(host.path("/etc/systemd/system/etcd.service"));
    Files.delete(host.path("/etc/systemd/system/etcd.service"));
    assertEquals(0, host.exec(T, "systemctl", "daemon-reload").exitCode());
    assertEquals("active\n", host.exec(T, "systemctl", "is-active", "etcd").stdout());
    assertEquals(0, host.exec(T, "systemctl", "stop", "etcd").exitCode());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertEquals(3, host.exec(T, "systemctl", "is-active", "etcd").exitCode());
    assertEquals(
        5, host.exec(T, "systemctl", "start", "etcd").exitCode(), "no unit file, no start");
    assertEquals(
        5, host.exec(T, "systemctl", "stop", "etcd").exitCode(), "stopped and gone: not loaded");
    host.writeFile("/etc/systemd/system/etcd.service", unit, "0644");
    ExecResult inactive = host.exec(T, "systemctl", "status", "etcd");
    assertEquals(3, inactive.exitCode());
    assertTrue(inactive.stdout().contains("inactive (dead)"));
  }

  @Test
  void containerdJavaFallbackHoldsTheSocketWithoutPerl() throws Exception {
    Path root = dir.resolve("fallback");
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx16m",
            "-cp",
            System.getProperty("java.class.path"),
            ContainerdStandin.class.getName());
    pb.environment().put("GRAFT_LAB_ROOT", root.toString());
    Process p = pb.start();
    try {
      Path sock = root.resolve("run/containerd/containerd.sock");
      // The file appears at bind(), a moment before listen(): a connect in between is refused,
      // as with any unix socket, so the stand-in counts as up once a connect is accepted.
      ApiStandinTest.await(() -> connects(sock));
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  private static boolean connects(Path sock) {
    if (!Files.exists(sock)) {
      return false;
    }
    try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return ch.connect(java.net.UnixDomainSocketAddress.of(sock));
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void unknownUnitsAndBadNamesAreRefusedAsSystemctlDoes() throws Exception {
    ExecResult r = host.exec(T, "systemctl", "start", "nope");
    assertEquals(5, r.exitCode());
    assertEquals("Failed to start nope.service: Unit nope.service not found.", r.stderr().strip());
    assertEquals(4, host.exec(T, "systemctl", "status", "nope").exitCode());
    assertEquals(1, host.exec(T, "systemctl", "start", "a;rm -rf /").exitCode());
    assertEquals(1, host.exec(T, "systemctl", "disable", "--now", "firewalld").exitCode());
  }

  @Test
  void aOneshotUnitRunsToItsEndOnStartAndRemainsActiveAfterExit() throws Exception {
    Path root = Path.of(host.rootPrefix());
    host.writeFile(
        "/usr/local/bin/oneshot-probe",
        "#!/bin/sh\necho run >> \"$GRAFT_LAB_ROOT/var/lib/oneshot-runs\"\n"
            + "exit \"$(cat \"$GRAFT_LAB_ROOT/etc/oneshot-exit\" 2>/dev/null || echo 0)\"\n",
        "0755");
    host.writeFile(
        "/etc/systemd/system/probe.service",
        "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/usr/local/bin/oneshot-probe\n",
        "0644");
    Files.createDirectories(root.resolve("var/lib"));
    Path runs = root.resolve("var/lib/oneshot-runs");

    assertEquals(0, host.exec(T, "systemctl", "start", "probe").exitCode());
    assertEquals(1, Files.readAllLines(runs).size(), "start returns after ExecStart has run");
    assertEquals(0, host.exec(T, "systemctl", "is-active", "--quiet", "probe").exitCode());
    assertTrue(host.exec(T, "systemctl", "status", "probe").stdout().contains("active (exited)"));
    assertEquals(0, host.exec(T, "systemctl", "start", "probe").exitCode());
    assertEquals(1, Files.readAllLines(runs).size(), "an active oneshot unit is not run again");
    assertEquals(0, host.exec(T, "systemctl", "stop", "probe").exitCode());
    assertEquals(3, host.exec(T, "systemctl", "is-active", "probe").exitCode());
    assertEquals(0, host.exec(T, "systemctl", "start", "probe").exitCode());
    assertEquals(2, Files.readAllLines(runs).size());

    host.exec(T, "systemctl", "stop", "probe");
    host.writeFile("/etc/oneshot-exit", "3\n", "0644");
    ExecResult failed = host.exec(T, "systemctl", "start", "probe");
    assertEquals(1, failed.exitCode());
    assertTrue(failed.stderr().contains("Job for probe.service failed"), failed.stderr());
    assertEquals(
        3,
        host.exec(T, "systemctl", "is-active", "probe").exitCode(),
        "a failed oneshot is not active");
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
