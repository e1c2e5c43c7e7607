package dev.graft.activities.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.testing.Prereqs;
import dev.graft.workflows.plan.EtcdMember;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real etcd (/usr/bin/etcd) on 127.0.0.1, in a temp dir, killed by its PID. */
class EtcdMemberReaderTest {
  static final Path ETCD = Path.of("/usr/bin/etcd");
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  @TempDir Path dir;
  Process etcd;

  @AfterEach
  void stop() throws InterruptedException {
    if (etcd != null) {
      etcd.destroy();
      if (!etcd.waitFor(5, TimeUnit.SECONDS)) {
        etcd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private String start() throws Exception {
    Prereqs.require("etcd", ETCD);
    int client = freePort();
    int peer = freePort();
    String c = "http://127.0.0.1:" + client;
    String p = "http://127.0.0.1:" + peer;
    etcd =
        new ProcessBuilder(
                ETCD.toString(),
                "--name",
                "m1",
                "--data-dir",
                dir.resolve("m1").toString(),
                "--listen-client-urls",
                c,
                "--advertise-client-urls",
                c,
                "--listen-peer-urls",
                p,
                "--initial-advertise-peer-urls",
                p,
                "--initial-cluster",
                "m1=" + p,
                "--initial-cluster-state",
                "new")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile())
            .start();
    return c;
  }

  @Test
  void readsMembersWithHealthAndAnUnstartedLearner() throws Exception {
    String endpoint = start();
    try (Client client = EtcdMemberReader.client(List.of(endpoint), EtcdTls.NONE, TIMEOUT)) {
      EtcdMemberReader reader = new EtcdMemberReader(client, TIMEOUT);
      List<EtcdMember> members = untilReadable(reader);
      assertEquals(1, members.size());
      EtcdMember m1 = members.get(0);
      assertEquals("m1", m1.name());
      assertTrue(m1.healthy(), "a single started member with itself as leader is healthy");
      assertFalse(m1.learner());
      assertTrue(m1.peerUrl().startsWith("http://127.0.0.1:"));

      // A learner added but never started: listed, unnamed, not healthy.
      client
          .getClusterClient()
          .addMember(List.of(URI.create("http://127.0.0.1:" + freePort())), true)
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      List<EtcdMember> after = reader.readMembers();
      assertEquals(2, after.size());
      EtcdMember learner = after.stream().filter(EtcdMember::learner).findFirst().orElseThrow();
      assertEquals("", learner.name());
      assertFalse(learner.healthy());
    }
  }

  @Test
  void anUnreachableEtcdFailsWithinTheTimeout() throws Exception {
    Prereqs.require("etcd", ETCD);
    String nobody = "http://127.0.0.1:" + freePort();
    long start = System.nanoTime();
    try (Client client =
        EtcdMemberReader.client(List.of(nobody), EtcdTls.NONE, Duration.ofSeconds(1))) {
      assertThrows(
          EtcdReadException.class,
          () -> new EtcdMemberReader(client, Duration.ofSeconds(1)).readMembers());
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("unreachable etcd reported after " + ms + " ms (timeout 1000 ms)");
  }

  private static List<EtcdMember> untilReadable(EtcdMemberReader reader) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        List<EtcdMember> m = reader.readMembers();
        if (!m.isEmpty() && m.get(0).healthy()) {
          return m;
        }
      } catch (EtcdReadException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        return reader.readMembers();
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
