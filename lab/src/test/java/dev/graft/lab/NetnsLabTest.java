package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.lab.host.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Six real netns hosts with OpenSSH: SSH, isolation, faults, and a teardown that leaves nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetnsLabTest {
  private static final Duration T = Duration.ofSeconds(15);
  private MachineSnapshot before;
  private Lab lab;
  private LabState state;
  private SshProbe ssh;
  private Path stateDir;

  @BeforeAll
  void up() throws Exception {
    Prereqs.netns();
    before = MachineSnapshot.take();
    stateDir = Files.createTempDirectory("graft-lab-test-").resolve("lab");
    lab = Lab.up(LabSpec.builder().nodes(6).kind(LabKind.NETNS).stateDir(stateDir).build());
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
    LabState recorded = lab.state();
    lab.close();
    // Idempotent: a second down finds nothing to do.
    assertTrue(Lab.down(stateDir).get(0).contains("nothing to do"));
    List<String> left = new ArrayList<>();
    // Namespace teardown in the kernel is asynchronous; give the veths a moment to vanish.
    for (int i = 0; i < 50; i++) {
      left = before.leftovers(MachineSnapshot.take(), recorded);
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(List.of(), left, "the lab left things behind");
    Files.deleteIfExists(stateDir.getParent());
  }

  @Test
  void everyHostAnswersMinaSshWithStrictHostKeysAndItsOwnHostname() throws Exception {
    assertEquals(6, state.hosts().size());
    for (HostState h : state.hosts()) {
      ExecResult r = ssh.run(h.address(), h.sshPort(), "hostname; ip -4 -o addr show dev eth0");
      assertTrue(r.ok(), h.name() + ": " + r);
      List<String> lines = r.stdout().lines().toList();
      assertEquals(h.name(), lines.get(0));
      assertTrue(lines.get(1).contains(" " + h.address() + "/20 "), lines.get(1));
    }
  }

  @Test
  void everyHostAnswersOpenSshWithStrictHostKeys() {
    for (HostState h : state.hosts()) {
      ExecResult r = SshProbe.openssh(state, h, Path.of(state.knownHosts()), "hostname");
      assertTrue(r.ok(), h.name() + ": " + r);
      assertEquals(h.name(), r.stdout().strip());
    }
  }

  @Test
  void aWrongHostKeyIsRefusedByBothClients() throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    // A known_hosts that pins host 2's key for host 1's address.
    Path wrong = stateDir.resolve("wrong_known_hosts");
    Files.writeString(wrong, h1.address() + " " + h2.hostKey() + "\n");
    ExecResult r = SshProbe.openssh(state, h1, wrong, "true");
    assertFalse(r.ok());
    assertTrue(
        r.stderr().contains("HOST IDENTIFICATION HAS CHANGED")
            || r.stderr().contains("verification failed"),
        r.stderr());
    try (SshProbe strict = new SshProbe(wrong, Path.of(state.clientKey()))) {
      assertThrows(Exception.class, () -> strict.run(h1.address(), 22, "true"));
    }
  }

  @Test
  void loginIsKeyOnly() throws Exception {
    HostState h = state.hosts().get(0);
    assertThrows(
        Exception.class,
        () -> ssh.run(h.address(), 22, "true", dev.graft.lab.host.SshKeys.generate()));
    ExecResult pw =
        Proc.run(
            T,
            List.of(
                "ssh",
                "-F",
                "/dev/null",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + state.knownHosts(),
                "-o",
                "BatchMode=yes",
                "-o",
                "PreferredAuthentications=password,keyboard-interactive",
                "root@" + h.address(),
                "true"));
    assertFalse(pw.ok());
    assertTrue(pw.stderr().contains("Permission denied (publickey)"), pw.stderr());
  }

  @Test
  void filesInOneHostsEtcStayInThatHost() throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    String probe = "/etc/graft-lab-probe-" + state.id();
    assertTrue(ssh.run(h1.address(), 22, "echo one > " + probe).ok());
    assertEquals("one", ssh.run(h1.address(), 22, "cat " + probe).stdout().strip());
    assertNotEquals(0, ssh.run(h2.address(), 22, "cat " + probe).exitCode());
    assertFalse(Files.exists(Path.of(probe)), "the machine's /etc must not see it");
    assertEquals("one\n", lab.host(h1.name()).readFile(probe).orElseThrow());
    // The machine's root keys are hidden; only the lab key is authorized.
    String keys = ssh.run(h1.address(), 22, "ls /root/.ssh").stdout().strip();
    assertEquals("authorized_keys", keys);
  }

  @Test
  void routesSysctlsAndIptablesArePerHost() throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    String routes = ssh.run(h2.address(), 22, "ip route").stdout();
    assertFalse(routes.contains("default"), "no default route in a host: " + routes);
    assertTrue(
        ssh.run(
                h1.address(),
                22,
                "ip route add 198.51.100.0/24 dev eth0 && sysctl -qw net.ipv4.ip_forward=1"
                    + " && iptables -A INPUT -p tcp --dport 9 -j DROP")
            .ok());
    assertTrue(ssh.run(h1.address(), 22, "ip route").stdout().contains("198.51.100.0/24"));
    assertFalse(ssh.run(h2.address(), 22, "ip route").stdout().contains("198.51.100.0/24"));
    assertFalse(Proc.run(T, List.of("ip", "route")).stdout().contains("198.51.100.0/24"));
    assertEquals(
        "1", ssh.run(h1.address(), 22, "cat /proc/sys/net/ipv4/ip_forward").stdout().strip());
    assertEquals(
        "0", ssh.run(h2.address(), 22, "cat /proc/sys/net/ipv4/ip_forward").stdout().strip());
    assertEquals(
        "0",
        Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip(),
        "the machine never forwards");
    assertTrue(ssh.run(h1.address(), 22, "iptables -S INPUT").stdout().contains("--dport 9"));
    assertFalse(ssh.run(h2.address(), 22, "iptables -S INPUT").stdout().contains("--dport 9"));
  }

  @Test
  void hostsReachEachOtherAndTheBridgeButNothingElse() throws Exception {
    HostState h3 = state.hosts().get(2);
    HostState h4 = state.hosts().get(3);
    // Bash's /dev/tcp: host 4's sshd answers host 3 over the bridge.
    ExecResult r =
        ssh.run(
            h3.address(),
            22,
            "timeout 3 bash -c 'exec 3<>/dev/tcp/" + h4.address() + "/22; head -c 7 <&3'");
    assertEquals("SSH-2.0", r.stdout());
    ExecResult out = ssh.run(h3.address(), 22, "ip route get 1.1.1.1");
    assertNotEquals(0, out.exitCode(), "no route out of the lab: " + out.stdout());
  }

  @Test
  void sshdStopsAndStartsAndTheLinkCutsAndRestores() throws Exception {
    HostState h = state.hosts().get(4);
    LabFaults faults = lab.faults();
    faults.stopSshd(h.name());
    assertFalse(faults.sshdRunning(h.name()));
    assertThrows(Exception.class, () -> ssh.run(h.address(), 22, "true"));
    faults.startSshd(h.name());
    assertTrue(ssh.run(h.address(), 22, "true").ok());

    faults.cutLink(h.name());
    ExecResult cut = SshProbe.openssh(state, h, Path.of(state.knownHosts()), "true", 1);
    assertFalse(cut.ok(), "link is down");
    faults.restoreLink(h.name());
    ExecResult back = SshProbe.openssh(state, h, Path.of(state.knownHosts()), "hostname");
    assertTrue(back.ok(), back.stderr());
  }

  /**
   * Whether the host's sshd accepts a TCP connection from the machine within {@code millis}. A SYN
   * sent while the veth was still coming up is resent after 1 s, so "reachable" allows 3 s.
   */
  private static boolean reachable(HostState h, int millis) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress(h.address(), 22), millis);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * Whether the host becomes unreachable within {@code millis}: the flap's thread cuts the link in
   * the background, so a fixed wait may look before the cut (seen once in CI after 500 ms).
   */
  private static boolean goesDown(HostState h, int millis) {
    long until = System.nanoTime() + millis * 1_000_000L;
    while (System.nanoTime() < until) {
      if (!reachable(h, 300)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aLinkFlapsInTheBackgroundAndEndsUpEitherWay() throws Exception {
    HostState h = state.hosts().get(5);
    LabFaults faults = lab.faults();
    assertTrue(reachable(h, 3000));
    long t0 = System.nanoTime();
    LabFaults.Flap flap =
        faults.flapLink(h.name(), Duration.ofSeconds(3), Duration.ofSeconds(2), 2);
    assertTrue(goesDown(h, 2500), "unreachable while the link is down");
    assertEquals(2, flap.await(Duration.ofSeconds(30)));
    assertTrue(System.nanoTime() - t0 >= Duration.ofSeconds(8).toNanos(), "3 + 2 + 3 s");
    assertTrue(reachable(h, 3000), "reachable once the flap ended");

    // A flap cancelled while the link is down leaves it up.
    LabFaults.Flap endless =
        faults.flapLink(h.name(), Duration.ofSeconds(2), Duration.ofSeconds(1), 1000);
    assertTrue(goesDown(h, 1500), "unreachable while the link is down");
    assertEquals(1, endless.cancel());
    assertTrue(endless.done());
    assertTrue(reachable(h, 3000), "reachable after cancel");
    assertTrue(SshProbe.openssh(state, h, Path.of(state.knownHosts()), "hostname").ok());
  }

  @Test
  void aCommandFailsItsNextRunsThenWorksAndMutationsAreRecordedPerHost() throws Exception {
    HostState h1 = state.hosts().get(0);
    HostState h2 = state.hosts().get(1);
    lab.faults().failNext(h1.name(), "uname", 2, 7);
    assertEquals(7, ssh.run(h1.address(), 22, "uname").exitCode());
    ExecResult second = ssh.run(h1.address(), 22, "uname");
    assertEquals(7, second.exitCode());
    assertTrue(second.stderr().contains("injected failure of uname"));
    assertEquals("Linux", ssh.run(h1.address(), 22, "uname").stdout().strip());
    assertEquals("Linux", ssh.run(h2.address(), 22, "uname").stdout().strip());

    lab.faults().recordInvocations(h2.name(), "touch");
    assertTrue(
        ssh.run(h2.address(), 22, "touch /tmp/x && graft-lab-mutation kubeadm join --token 'a b'")
            .ok());
    List<Mutation> m2 = lab.host(h2.name()).mutations();
    assertEquals(List.of("touch", "kubeadm"), m2.stream().map(Mutation::command).toList());
    assertEquals("/tmp/x", m2.get(0).args());
    assertEquals("join --token 'a b'", m2.get(1).args());
    assertTrue(lab.host(h1.name()).mutations("kubeadm").isEmpty());
  }

  @Test
  void daemonsRunInsideTheHostAndDieByPidFile() throws Exception {
    LabHost h = lab.host(state.hosts().get(5).name());
    long pid = h.startDaemon("sleeper", "sleep", "300");
    assertTrue(h.daemonRunning("sleeper"));
    assertEquals(PidRef.nsOf(pid, "net"), state.hosts().get(5).netns(), "daemon runs in the host");
    // A PID file naming a process outside the host is refused.
    h.sh(T, "echo 1 > /run/foreign.pid");
    assertFalse(lab.faults().killByPidFile(h.name(), "/run/foreign.pid", true));
    assertTrue(lab.faults().killByPidFile(h.name(), "/run/graft-lab/daemons/sleeper.pid", false));
    for (int i = 0; i < 50 && h.daemonRunning("sleeper"); i++) {
      Thread.sleep(50);
    }
    assertFalse(h.daemonRunning("sleeper"));
  }

  @Test
  void latencyNeedsNetem() throws Exception {
    HostState h = state.hosts().get(3);
    try {
      lab.faults().addLatency(h.name(), Duration.ofMillis(80));
    } catch (LabException e) {
      assertTrue(e.getMessage().contains("netem"), e.getMessage());
      org.junit.jupiter.api.Assumptions.assumeTrue(
          false, "kernel without sch_netem: " + e.getMessage());
    }
    try {
      assertTrue(
          Proc.run(T, List.of("tc", "qdisc", "show", "dev", h.veth()))
              .stdout()
              .contains("delay 80ms"));
      long t0 = System.nanoTime();
      ssh.run(h.address(), 22, "true");
      assertTrue(System.nanoTime() - t0 > Duration.ofMillis(80 * 3).toNanos());
    } finally {
      lab.faults().clearLatency(h.name());
    }
  }

  @Test
  void statusFilesAndInventoriesAreWritten() throws Exception {
    LabState read = Lab.status(stateDir).orElseThrow();
    assertEquals(state.id(), read.id());
    assertTrue(Lab.live(read));
    String yaml = Files.readString(Path.of(read.inventoryYaml()));
    assertTrue(yaml.contains("name: k8s-node1"));
    assertTrue(yaml.contains("address: " + state.hosts().get(0).address()));
    String ini = Files.readString(Path.of(read.inventoryIni()));
    assertTrue(ini.contains("[kube_control_plane]\nk8s-node1\n"));
    assertTrue(ini.contains("[kube_node]\nk8s-node2\n"));
    assertEquals(6, Files.readAllLines(Path.of(read.knownHosts())).size());
    assertThrows(
        LabException.class,
        () -> Lab.up(LabSpec.builder().nodes(1).kind(LabKind.NETNS).stateDir(stateDir).build()),
        "a second lab in a live lab's dir is refused");
  }
}
