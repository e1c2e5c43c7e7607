package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.lab.host.Procfs;
import dev.graft.lab.host.SshKeys;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** In-process hosts (run anywhere): MINA SSHD per host, real /bin/sh in a sandbox. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InprocessLabTest {
  private static final Duration T = Duration.ofSeconds(10);
  private Lab lab;
  private LabState state;
  private SshProbe ssh;
  private Path stateDir;

  @BeforeAll
  void up() throws Exception {
    stateDir = Files.createTempDirectory("graft-lab-inproc-").resolve("lab");
    lab =
        Lab.up(
            LabSpec.builder()
                .nodes(3)
                .kind(LabKind.INPROCESS)
                .stateDir(stateDir)
                .customizer(
                    h ->
                        h.writeFile(
                            "/usr/local/bin/whoami-lab",
                            "#!/bin/sh\necho \"stand-in on "
                                + h.name()
                                + " root=$GRAFT_LAB_ROOT\"\n",
                            0755))
                .build());
    state = lab.state();
    ssh = new SshProbe(Path.of(state.knownHosts()), Path.of(state.clientKey()));
  }

  @AfterAll
  void down() throws Exception {
    if (ssh != null) {
      ssh.close();
    }
    if (lab == null) {
      if (stateDir != null) {
        Files.deleteIfExists(stateDir.getParent());
      }
      return;
    }
    List<Integer> ports = state.hosts().stream().map(HostState::sshPort).toList();
    lab.close();
    for (int port : ports) {
      try (Socket s = new Socket()) {
        assertThrows(
            ConnectException.class,
            () -> s.connect(new InetSocketAddress("127.0.0.1", port), 1000));
      }
    }
    assertEquals(List.of(), Procfs.withLabId(state.id()), "no process of the lab is left");
    assertFalse(Files.exists(stateDir), "state dir removed");
    assertTrue(Lab.down(stateDir).get(0).contains("nothing to do"));
    Files.deleteIfExists(stateDir.getParent());
  }

  @Test
  void eachHostRunsShellCommandsInItsSandboxOverStrictSsh() throws Exception {
    for (HostState h : state.hosts()) {
      assertEquals("127.0.0.1", h.address());
      ExecResult r = ssh.run(h.address(), h.sshPort(), "pwd; echo $HOME; hostname; whoami-lab");
      assertTrue(r.ok(), r.toString());
      List<String> lines = r.stdout().lines().toList();
      assertEquals(h.root(), lines.get(0));
      assertEquals(h.root() + "/root", lines.get(1));
      assertEquals(h.name(), lines.get(2));
      assertEquals("stand-in on " + h.name() + " root=" + h.root(), lines.get(3));
    }
  }

  @Test
  void exitCodesStdinAndStderrTravel() throws Exception {
    HostState h = state.hosts().get(0);
    ExecResult r = ssh.run(h.address(), h.sshPort(), "echo oops >&2; exit 3");
    assertEquals(3, r.exitCode());
    assertEquals("oops\n", r.stderr());
  }

  @Test
  void filesAreSandboxedPerHost() throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    assertTrue(ssh.run(h1.address(), h1.sshPort(), "echo hi > \"$GRAFT_LAB_ROOT/etc/probe\"").ok());
    assertEquals("hi\n", lab.host(h1.name()).readFile("/etc/probe").orElseThrow());
    assertTrue(lab.host(h2.name()).readFile("/etc/probe").isEmpty());
    assertFalse(Files.exists(Path.of("/etc/probe")));
  }

  @Test
  void onlyTheLabKeyLogsIn() throws Exception {
    HostState h = state.hosts().get(0);
    assertThrows(
        Exception.class, () -> ssh.run(h.address(), h.sshPort(), "true", SshKeys.generate()));
    assertThrows(Exception.class, () -> ssh.run(h.address(), h.sshPort(), "true", null));
  }

  @Test
  void opensshClientWorksWithBracketedKnownHosts() throws Exception {
    Prereqs.opensshClient();
    HostState h = state.hosts().get(2);
    ExecResult r = SshProbe.openssh(state, h, Path.of(state.knownHosts()), "hostname");
    assertTrue(r.ok(), r.toString());
    assertEquals(h.name(), r.stdout().strip());
    assertTrue(
        Files.readAllLines(Path.of(state.knownHosts()))
            .get(2)
            .startsWith("[127.0.0.1]:" + h.sshPort() + " ssh-ed25519 "));
  }

  @Test
  void failuresMutationsDaemonsAndSshdFaults() throws Exception {
    HostState h = state.hosts().get(1);
    LabFaults f = lab.faults();
    f.failNext(h.name(), "date", 1);
    assertEquals(1, ssh.run(h.address(), h.sshPort(), "date").exitCode());
    assertEquals(0, ssh.run(h.address(), h.sshPort(), "date").exitCode());
    // A delayed run sleeps first (a 1 s timeout cuts it off), then runs; the next is not delayed.
    f.delayNext(h.name(), "date", 1, java.time.Duration.ofSeconds(5));
    assertEquals(124, ssh.run(h.address(), h.sshPort(), "timeout 1 sh -c date").exitCode());
    assertEquals(0, ssh.run(h.address(), h.sshPort(), "timeout 1 sh -c date").exitCode());
    assertTrue(ssh.run(h.address(), h.sshPort(), "graft-lab-mutation systemctl start etcd").ok());
    assertEquals(1, lab.host(h.name()).mutations("systemctl").size());
    assertEquals("start etcd", lab.host(h.name()).mutations("systemctl").get(0).args());

    LabHost host = lab.host(h.name());
    long pid = host.startDaemon("sleeper", "sleep", "300");
    assertTrue(host.daemonRunning("sleeper"));
    assertEquals(
        pid, host.startDaemon("sleeper", "sleep", "300"), "a running daemon is left alone");
    assertTrue(f.killByPidFile(h.name(), "/run/graft-lab/daemons/sleeper.pid", true));
    for (int i = 0; i < 50 && host.daemonRunning("sleeper"); i++) {
      Thread.sleep(50);
    }
    assertFalse(host.daemonRunning("sleeper"));

    f.stopSshd(h.name());
    assertThrows(Exception.class, () -> ssh.run(h.address(), h.sshPort(), "true"));
    f.startSshd(h.name());
    assertTrue(ssh.run(h.address(), h.sshPort(), "true").ok());
    assertThrows(LabException.class, () -> f.cutLink(h.name()));
  }

  @Test
  void statusListsHostsWithPorts() throws Exception {
    LabState s = Lab.status(stateDir).orElseThrow();
    assertEquals(LabKind.INPROCESS, s.kind());
    assertTrue(Lab.live(s));
    assertEquals(3, s.hosts().stream().map(HostState::sshPort).distinct().count());
    s.hosts().forEach(h -> assertNotEquals(0, h.sshPort()));
    assertThrows(LabException.class, () -> Lab.attach(stateDir));
  }
}
