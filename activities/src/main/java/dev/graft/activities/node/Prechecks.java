package dev.graft.activities.node;

import dev.graft.workflows.join.CheckResult;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.Cidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pre-checks of a node, as pure decisions on the facts one read-only script gathered. Every
 * check runs and reports what it saw and how to fix it; none stops at the first failure.
 */
public final class Prechecks {
  private Prechecks() {}

  /**
   * The read-only script that gathers every fact in one SSH round trip, as {@code key=value} lines.
   * Only fixed text: nothing from the inventory reaches it.
   */
  public static final String FACTS_SCRIPT =
      String.join(
          "\n",
          "echo \"swap_devices=$(awk 'NR>1{n++} END{print n+0}' /proc/swaps 2>/dev/null)\"",
          "fw=inactive; if command -v systemctl >/dev/null 2>&1; then fw=$(systemctl is-active firewalld 2>/dev/null | head -n1); fi",
          "[ -n \"$fw\" ] || fw=inactive; echo \"firewalld=$fw\"",
          "echo \"kernel=$(uname -r)\"",
          "echo \"ip_forward=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)\"",
          "if command -v ss >/dev/null 2>&1; then ports=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -un | tr '\\n' ,);"
              + " else ports=$(awk 'NR>1 && $4==\"0A\" {print $2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sed 's/.*://' | while read h; do printf '%d,' 0x$h; done); fi",
          "echo \"listening=$ports\"",
          "rt=none; for s in /run/containerd/containerd.sock /var/run/crio/crio.sock /run/cri-dockerd.sock; do [ -S \"$s\" ] && rt=$s && break; done",
          "echo \"runtime_socket=$rt\"",
          "echo \"mem_kb=$(awk '/^MemTotal:/{print $2}' /proc/meminfo)\"",
          "echo \"hostname=$(hostname)\"",
          "echo \"routes=$(ip -4 route show 2>/dev/null | awk '{print $1}' | tr '\\n' ,)\"",
          "[ -f /etc/kubernetes/kubelet.conf ] && echo joined=yes || echo joined=no",
          "");

  /** Parses {@code key=value} lines; later keys win. */
  public static Map<String, String> parseFacts(String output) {
    Map<String, String> facts = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        facts.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return facts;
  }

  /** The TCP ports a node of these roles needs free before it joins. */
  public static Set<Integer> requiredPorts(NodeSpec node, boolean stackedEtcd) {
    Set<Integer> ports = new TreeSet<>(List.of(10250));
    if (node.hasRole(Role.CONTROL_PLANE)) {
      ports.addAll(List.of(6443, 10257, 10259));
    }
    if (node.hasRole(Role.ETCD) || (stackedEtcd && node.hasRole(Role.CONTROL_PLANE))) {
      ports.addAll(List.of(2379, 2380));
    }
    return ports;
  }

  /**
   * Decides every check.
   *
   * @param clockSkewMillis measured difference to the reference clock, or null when none was taken
   */
  public static List<CheckResult> evaluate(
      NodeSpec node,
      Map<String, String> facts,
      List<String> otherHostnames,
      String serviceCidr,
      String minKernel,
      Long clockSkewMillis,
      long maxSkewMillis) {
    List<CheckResult> out = new ArrayList<>();
    boolean joined = "yes".equals(facts.get("joined"));

    String swaps = facts.getOrDefault("swap_devices", "?");
    out.add(
        "0".equals(swaps)
            ? new CheckResult("swap", true, false, "swap is off", null)
            : new CheckResult(
                "swap",
                false,
                true,
                swaps + " swap device(s) active",
                "provisioning runs swapoff -a and comments swap out of /etc/fstab"));

    String fw = facts.getOrDefault("firewalld", "inactive");
    out.add(
        "active".equals(fw) || "activating".equals(fw)
            ? new CheckResult(
                "firewalld",
                false,
                true,
                "firewalld is " + fw,
                "provisioning disables firewalld (systemctl disable --now firewalld)")
            : new CheckResult("firewalld", true, false, "firewalld is not running", null));

    String kernel = facts.getOrDefault("kernel", "");
    out.add(
        kernelAtLeast(kernel, minKernel)
            ? new CheckResult("kernel", true, false, "kernel " + kernel + " ≥ " + minKernel, null)
            : new CheckResult(
                "kernel",
                false,
                false,
                "kernel " + (kernel.isEmpty() ? "unknown" : kernel) + " < " + minKernel,
                "upgrade the kernel to "
                    + minKernel
                    + " or later (or lower policy.minKernel if you know why)"));

    String fwd = facts.getOrDefault("ip_forward", "");
    out.add(
        "1".equals(fwd)
            ? new CheckResult("ip_forward", true, false, "net.ipv4.ip_forward=1", null)
            : new CheckResult(
                "ip_forward",
                false,
                true,
                "net.ipv4.ip_forward=" + fwd,
                "provisioning sets it to 1 and persists it in /etc/sysctl.d"));

    Set<Integer> listening = new TreeSet<>();
    for (String p : facts.getOrDefault("listening", "").split(",")) {
      if (p.matches("[0-9]{1,5}")) {
        listening.add(Integer.parseInt(p));
      }
    }
    Set<Integer> busy = new TreeSet<>(requiredPorts(node, true));
    busy.retainAll(listening);
    if (busy.isEmpty()) {
      out.add(
          new CheckResult(
              "ports", true, false, "ports " + requiredPorts(node, true) + " are free", null));
    } else if (joined) {
      out.add(
          new CheckResult(
              "ports",
              true,
              false,
              "ports "
                  + busy
                  + " are held by this node's own Kubernetes components (already joined)",
              null));
    } else {
      out.add(
          new CheckResult(
              "ports",
              false,
              false,
              "ports " + busy + " are in use",
              "stop what listens there (ss -tlnp shows it), then retry"));
    }

    String rt = facts.getOrDefault("runtime_socket", "none");
    out.add(
        "none".equals(rt)
            ? new CheckResult(
                "container-runtime",
                false,
                false,
                "no container runtime socket found",
                "install and start containerd (or CRI-O), then retry")
            : new CheckResult("container-runtime", true, false, "runtime socket " + rt, null));

    long memMb = parseLong(facts.get("mem_kb")) / 1024;
    long needMb = node.hasRole(Role.CONTROL_PLANE) ? 1500 : 1024;
    out.add(
        memMb >= needMb
            ? new CheckResult("memory", true, false, memMb + " MB ≥ " + needMb + " MB", null)
            : new CheckResult(
                "memory",
                false,
                false,
                memMb + " MB < " + needMb + " MB needed for its role",
                "give the machine more memory"));

    String hostname = facts.getOrDefault("hostname", "");
    if (!hostname.equals(node.name())) {
      out.add(
          new CheckResult(
              "hostname",
              false,
              false,
              "hostname is '" + hostname + "', the inventory names the node '" + node.name() + "'",
              "set the hostname (hostnamectl set-hostname "
                  + node.name()
                  + ") or rename the node in the inventory"));
    } else if (otherHostnames != null && otherHostnames.contains(hostname)) {
      out.add(
          new CheckResult(
              "hostname",
              false,
              false,
              "hostname '" + hostname + "' is already used by another node",
              "give every node a unique hostname"));
    } else {
      out.add(
          new CheckResult(
              "hostname", true, false, "hostname " + hostname + " matches and is unique", null));
    }

    if (clockSkewMillis == null) {
      out.add(
          new CheckResult(
              "clock", true, false, "no control-plane clock to compare with; skipped", null));
    } else if (Math.abs(clockSkewMillis) <= maxSkewMillis) {
      out.add(
          new CheckResult(
              "clock",
              true,
              false,
              "clock within " + Math.abs(clockSkewMillis) + " ms of the control plane",
              null));
    } else {
      out.add(
          new CheckResult(
              "clock",
              false,
              false,
              "clock is "
                  + clockSkewMillis
                  + " ms off the control plane (limit "
                  + maxSkewMillis
                  + " ms)",
              "sync the clock (chrony or systemd-timesyncd), then retry"));
    }

    List<String> conflicts = new ArrayList<>();
    if (serviceCidr != null && !serviceCidr.isBlank()) {
      Cidr services = Cidr.parse(serviceCidr);
      for (String dst : facts.getOrDefault("routes", "").split(",")) {
        if (dst.isBlank() || "default".equals(dst)) {
          continue;
        }
        try {
          Cidr route = Cidr.parse(dst.contains("/") ? dst : dst + "/32");
          if (route.overlaps(services)) {
            conflicts.add(dst);
          }
        } catch (RuntimeException notACidr) {
          // Not an IPv4 destination (e.g. "blackhole"): it cannot overlap.
        }
      }
    }
    out.add(
        conflicts.isEmpty()
            ? new CheckResult(
                "service-cidr-routes",
                true,
                false,
                "no route overlaps the service CIDR " + serviceCidr,
                null)
            : new CheckResult(
                "service-cidr-routes",
                false,
                false,
                "routes " + conflicts + " overlap the service CIDR " + serviceCidr,
                "remove those routes or choose another service CIDR"));
    return out;
  }

  static boolean kernelAtLeast(String kernel, String min) {
    int[] have = version(kernel);
    int[] want = version(min);
    for (int i = 0; i < 3; i++) {
      if (have[i] != want[i]) {
        return have[i] > want[i];
      }
    }
    return true;
  }

  private static int[] version(String v) {
    int[] out = new int[3];
    String[] parts = v.split("[^0-9]+");
    int j = 0;
    for (String p : parts) {
      if (p.isEmpty()) {
        continue;
      }
      if (j == 3) {
        break;
      }
      out[j++] = (int) Math.min(Integer.MAX_VALUE, parseLong(p));
    }
    return out;
  }

  /** A number, or 0 when the text is missing or not one. */
  static long parseLong(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
