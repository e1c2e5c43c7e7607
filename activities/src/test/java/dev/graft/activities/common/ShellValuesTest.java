package dev.graft.activities.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class ShellValuesTest {
  private static void accepts(BiFunction<String, String, String> check, String... values) {
    for (String v : values) {
      assertEquals(v, check.apply("field", v), v);
    }
  }

  private static void rejects(BiFunction<String, String, String> check, String... values) {
    for (String v : values) {
      assertThrows(
          InvalidValueException.class, () -> check.apply("field", v), "should reject " + v);
    }
  }

  @Test
  void hostileNodeNameIsRejectedWithAClearMessage() {
    InvalidValueException e =
        assertThrows(
            InvalidValueException.class,
            () -> ShellValues.dns1123Subdomain("nodes[2].name", "a;rm -rf /"));
    assertTrue(
        e.getMessage()
            .startsWith("nodes[2].name \"a;rm -rf /\" is invalid: must be a DNS-1123 subdomain"),
        e.getMessage());
    assertEquals("nodes[2].name", e.field());
    InvalidValueException nl =
        assertThrows(
            InvalidValueException.class,
            () -> ShellValues.dns1123Label("name", "x\nFAKE LOG LINE"));
    assertTrue(nl.getMessage().contains("\"x\\x0aFAKE LOG LINE\""), nl.getMessage());
  }

  @Test
  void dnsNames() {
    accepts(ShellValues::dns1123Label, "a", "k8s-node1", "0abc", "a".repeat(63));
    rejects(ShellValues::dns1123Label, "", "-a", "a-", "A", "a.b", "a_b", "a".repeat(64), null);
    accepts(ShellValues::dns1123Subdomain, "k8s-node1", "node1.lab.example", "a.b");
    rejects(
        ShellValues::dns1123Subdomain, "a..b", ".a", "a.", "Node1", "a;b", "a b", "a".repeat(254));
    accepts(ShellValues::host, "10.213.0.11", "fd00::11", "Node-1.example.com", "localhost");
    rejects(ShellValues::host, "a;b", "-x", "a b", "[::1]", "h$(id)", "");
  }

  @Test
  void addresses() {
    accepts(ShellValues::ipv4, "0.0.0.0", "10.213.0.11", "255.255.255.255");
    rejects(
        ShellValues::ipv4,
        "256.0.0.1",
        "10.0.0",
        "10.0.0.01",
        "1.2.3.4.5",
        "a.b.c.d",
        "1.2.3.4 ",
        "");
    accepts(
        ShellValues::ipv6,
        "::",
        "::1",
        "fd00:10:213::11",
        "2001:db8:0:0:0:0:2:1",
        "::ffff:10.0.0.1",
        "1::",
        "fe80::1:2:3:4:5:6");
    rejects(
        ShellValues::ipv6,
        "1:2:3:4:5:6:7:8:9",
        "1::2::3",
        ":1:2:3:4:5:6:7",
        "12345::",
        "fe80::1%eth0",
        "::g",
        "1:2:3:4:5:6:7",
        "10.0.0.1",
        "[::1]");
    accepts(
        ShellValues::cidr,
        "10.96.0.0/12",
        "10.244.0.0/16",
        "0.0.0.0/0",
        "10.0.0.1/32",
        "fd00::/64",
        "2001:db8::/32");
    rejects(
        ShellValues::cidr,
        "10.96.0.1/12",
        "10.96.0.0/33",
        "10.96.0.0",
        "10.96.0.0/",
        "10.96.0.0/012",
        "fd00::1/64",
        "fd00::/129",
        "x/8",
        "10.0.0.0/8/8");
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> ShellValues.cidr("svc", "10.96.0.1/12"));
    assertTrue(e.getMessage().contains("host bits"), e.getMessage());
  }

  @Test
  void pathsAndKernelNames() {
    accepts(ShellValues::absolutePath, "/", "/etc/sysctl.d/99-graft.conf", "/tmp/with space/x's");
    rejects(
        ShellValues::absolutePath,
        "etc/x",
        "",
        "/a/../b",
        "/a\nb",
        "/a\rb",
        "/a\0b",
        "/" + "a".repeat(4096));
    accepts(
        ShellValues::sysctlKey,
        "net.ipv4.ip_forward",
        "net.bridge.bridge-nf-call-iptables",
        "net/ipv4/conf/eth0/rp_filter",
        "vm.swappiness");
    rejects(ShellValues::sysctlKey, "net", "net..x", ".net.x", "net.x;id", "net.x y", "net.x=1");
    accepts(ShellValues::sysctlValue, "1", "4096 87380 6291456");
    rejects(ShellValues::sysctlValue, "", " 1", "1\n2", "\u00e9");
    accepts(ShellValues::kernelModule, "br_netfilter", "overlay", "nf-conntrack");
    rejects(ShellValues::kernelModule, "", "a b", "a;b", "../x", "a".repeat(56));
    accepts(
        ShellValues::unitName,
        "firewalld.service",
        "getty@tty1.service",
        "dev-sda1.swap",
        "kubelet.service",
        "system-getty.slice",
        "foo@.service");
    rejects(
        ShellValues::unitName,
        "firewalld",
        "a b.service",
        "x.bogus",
        "-x.service",
        "a;b.service",
        "");
    accepts(ShellValues::userName, "root", "ubuntu", "_svc", "deploy-1");
    rejects(ShellValues::userName, "Root", "1abc", "a b", "a;b", "");
  }

  @Test
  void ports() {
    assertEquals(22, ShellValues.port("p", 22));
    assertEquals(65535, ShellValues.port("p", "65535"));
    assertThrows(InvalidValueException.class, () -> ShellValues.port("p", 0));
    assertThrows(InvalidValueException.class, () -> ShellValues.port("p", 65536));
    assertThrows(InvalidValueException.class, () -> ShellValues.port("p", "022"));
    assertThrows(InvalidValueException.class, () -> ShellValues.port("p", "22;id"));
  }
}
