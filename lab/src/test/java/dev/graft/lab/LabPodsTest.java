package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.lab.bootstrap.LabStandinHost;
import dev.graft.lab.host.Procfs;
import dev.graft.lab.standin.StandinConfig;
import dev.graft.lab.standin.StandinInstaller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Test pods on netns hosts (real namespaces, veths, a bridge and routes inside each host) and the
 * network reboot fault. Two hosts; the bridges and routes are made by hand here, as Graft's routing
 * would make them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabPodsTest {
  private static final Duration T = Duration.ofSeconds(20);
  private Lab lab;
  private Path stateDir;
  private LabHost h1;
  private LabHost h2;

  @BeforeAll
  void up() throws Exception {
    Prereqs.netns();
    stateDir = Files.createTempDirectory("graft-lab-pods-").resolve("lab");
    lab = Lab.up(LabSpec.builder().nodes(2).kind(LabKind.NETNS).stateDir(stateDir).build());
    h1 = lab.hosts().get(0);
    h2 = lab.hosts().get(1);
    for (LabHost h : List.of(h1, h2)) {
      int n = h.index();
      sh(
          h,
          "ip link add cbr0 type bridge && ip addr add 10.250."
              + n
              + ".1/24 dev cbr0 && ip link set cbr0 up"
              + " && sysctl -q -w net.ipv4.ip_forward=1");
      LabPods.attach(
          h, "pod-a", "10.250." + n + ".10/24", "10.250." + n + ".1", "10.250.0.0/16", "cbr0");
    }
  }

  @AfterAll
  void down() throws Exception {
    if (lab == null) {
      return;
    }
    LabState recorded = lab.state();
    lab.close();
    List<String> left = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      left.clear();
      for (HostState h : recorded.hosts()) {
        Procfs.inNetns(h.netns()).forEach(p -> left.add(h.name() + ": " + p.cmdline()));
        if (Files.exists(Path.of("/sys/class/net", h.veth()))) {
          left.add("veth " + h.veth());
        }
      }
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(List.of(), left, "pods or processes outlived the lab");
    Files.deleteIfExists(stateDir.getParent());
  }

  private static String sh(LabHost h, String script) {
    return h.sh(T, script).orThrow(h.name() + ": " + script);
  }

  @Test
  @Order(1)
  void aPodHasItsAddressAndOnlyARouteToThePodNetwork() {
    String routes = LabPods.exec(h1, "pod-a", T, "ip", "-4", "route").orThrow("routes");
    assertTrue(routes.contains("10.250.0.0/16 via 10.250." + h1.index() + ".1"), routes);
    assertFalse(routes.contains("default"), "a pod of the lab gets no default route: " + routes);
    assertTrue(
        LabPods.ping(h1, "pod-a", "10.250." + h1.index() + ".1"), "the pod reaches its bridge");
    // The pod lives in the host's own mount namespace: the host lists it, the machine does not.
    assertTrue(sh(h1, "ip netns list").contains("pod-a"));
    assertFalse(
        dev.graft.lab.host.Proc.run(T, List.of("ip", "netns", "list")).stdout().contains("pod-a"),
        "the machine's own namespaces are untouched");
  }

  @Test
  @Order(2)
  void podsOnTwoHostsReachEachOtherOnlyOnceBothHaveRoutes() {
    String other = "10.250." + h2.index() + ".10";
    assertFalse(LabPods.ping(h1, "pod-a", other), "no route yet: unreachable");
    sh(h1, "ip route replace 10.250." + h2.index() + ".0/24 via " + h2.address());
    assertFalse(
        LabPods.ping(h1, "pod-a", other), "a route one way is not enough: the reply has none");
    sh(h2, "ip route replace 10.250." + h1.index() + ".0/24 via " + h1.address());
    assertTrue(LabPods.ping(h1, "pod-a", other), "real packets over the lab bridge");
    assertTrue(LabPods.ping(h2, "pod-a", "10.250." + h1.index() + ".10"));
  }

  @Test
  @Order(3)
  void podPlumbingLeavesNoTraceInTheMutationLog() {
    lab.faults().recordInvocations(h1.name(), "ip");
    LabPods.attach(
        h1,
        "pod-b",
        "10.250." + h1.index() + ".11/24",
        "10.250." + h1.index() + ".1",
        "10.250.0.0/16",
        "cbr0");
    assertTrue(LabPods.ping(h1, "pod-b", "10.250." + h1.index() + ".10"));
    assertEquals(List.of(), h1.mutations("ip"), "lab plumbing bypasses the recording wrapper");
    sh(h1, "ip -o link show dev cbr0 >/dev/null");
    assertEquals(1, h1.mutations("ip").size(), "while the host's own commands are recorded");
  }

  @Test
  @Order(4)
  void aNetworkRebootClearsWhatTheRunningSystemMadeAndBootRestoresWhatIsPersisted()
      throws Exception {
    StandinInstaller.install(new LabStandinHost(h2), StandinConfig.ofThisJvm("v1.32.0"));
    String unit =
        "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/usr/local/bin/boot-route\n\n"
            + "[Install]\nWantedBy=multi-user.target\n";
    String script =
        "#!/bin/sh\nip route replace 10.251.0.0/24 via " + h1.address() + " proto 213\n";
    sh(
        h2,
        "printf '%s' '"
            + unit
            + "' > /etc/systemd/system/boot-route.service"
            + " && printf '%s' '"
            + script
            + "' > /usr/local/bin/boot-route && chmod 755 /usr/local/bin/boot-route"
            + " && systemctl enable boot-route && printf 'net.ipv4.ip_forward = 1\\n' > /etc/sysctl.d/90-test.conf"
            + " && iptables -P FORWARD DROP && iptables -A FORWARD -s 10.250.0.0/16 -j ACCEPT");

    String boot = lab.faults().rebootNetwork(h2.name());

    assertTrue(boot.contains("boot: started boot-route.service"), boot);
    assertTrue(boot.contains("boot: net.ipv4.ip_forward=1"), boot);
    assertTrue(sh(h2, "ip netns list").isBlank(), "pods are gone");
    assertFalse(sh(h2, "ip -o link show").contains("cbr0"), "the bridge is gone");
    String routes = sh(h2, "ip -4 route");
    assertFalse(
        routes.contains("10.250." + h1.index() + ".0/24"),
        "a route made at run time is gone: " + routes);
    assertTrue(
        routes.contains("10.251.0.0/24 via " + h1.address()),
        "the enabled unit ran at boot: " + routes);
    assertTrue(routes.contains(h2.address()), "eth0 keeps its address: " + routes);
    assertEquals("-P FORWARD ACCEPT", sh(h2, "iptables -S FORWARD").strip(), "a fresh firewall");
    assertEquals("1", sh(h2, "cat /proc/sys/net/ipv4/ip_forward").strip());
    assertEquals(0, h2.exec(T, "systemctl", "is-active", "--quiet", "boot-route").exitCode());
    assertEquals(
        "1", sh(h1, "cat /proc/sys/net/ipv4/ip_forward").strip(), "the other host is untouched");
  }

  @Test
  @Order(5)
  void badValuesNeverReachTheHost() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            LabPods.attach(
                h1, "a;reboot", "10.250.1.10/24", "10.250.1.1", "10.250.0.0/16", "cbr0"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            LabPods.attach(
                h1, "pod-c", "10.250.1.10/24", "10.250.1.1 ; x", "10.250.0.0/16", "cbr0"));
    assertThrows(IllegalArgumentException.class, () -> LabPods.ping(h1, "pod-a", "8.8.8.8; true"));
  }
}
