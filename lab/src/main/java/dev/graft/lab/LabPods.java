package dev.graft.lab;

import dev.graft.lab.host.HostScripts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Test "pods" on netns lab hosts: a small network namespace inside a host, attached to a bridge the
 * host already has (Graft's cbr0), with an address in the node's pod CIDR. It stands in for what
 * kubelet and a bridge CNI plugin would create, so that pod-to-pod traffic can be tested with real
 * packets. In-process hosts have no network namespace of their own: a LabException says so.
 */
public final class LabPods {
  private static final Duration T = Duration.ofSeconds(20);
  private static final Pattern POD = Pattern.compile("[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?");
  private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
  private static final Pattern V4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  private LabPods() {}

  /**
   * Creates (or re-creates) pod {@code pod} on the host: eth0 with {@code address} (a.b.c.d/n), a
   * route to {@code podNetwork} via {@code gateway}, the host end of its veth on {@code bridge}.
   */
  public static void attach(
      LabHost host, String pod, String address, String gateway, String podNetwork, String bridge) {
    requireNetns(host);
    check("pod name", pod, POD);
    check("address", address, Pattern.compile(V4.pattern() + "/\\d{1,2}"));
    check("gateway", gateway, V4);
    check("pod network", podNetwork, Pattern.compile(V4.pattern() + "/\\d{1,2}"));
    check("bridge", bridge, IFNAME);
    host.exec(
            T,
            "/bin/sh",
            "-c",
            HostScripts.POD_ATTACH,
            "graft-lab-pod",
            pod,
            address,
            gateway,
            podNetwork,
            bridge)
        .orThrow("host " + host.name() + ": attach pod " + pod);
  }

  /** Runs argv inside the pod's network namespace (on its host). */
  public static ExecResult exec(LabHost host, String pod, Duration timeout, String... argv) {
    requireNetns(host);
    check("pod name", pod, POD);
    List<String> cmd =
        new ArrayList<>(List.of("/bin/sh", "-c", HostScripts.POD_EXEC, "graft-lab-pod-exec", pod));
    cmd.addAll(List.of(argv));
    return host.exec(timeout, cmd.toArray(String[]::new));
  }

  /**
   * Two pings from the pod to {@code address} (which must be a lab pod address); true when one
   * returns.
   */
  public static boolean ping(LabHost host, String pod, String address) {
    check("address", address, V4);
    return exec(host, pod, T, "ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", address).ok();
  }

  private static void requireNetns(LabHost host) {
    if (host.kind() != LabKind.NETNS) {
      throw new LabException(
          "host " + host.name() + " is in-process: it has no network namespace for pods");
    }
  }

  private static void check(String what, String value, Pattern p) {
    if (value == null || !p.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " \"" + value + "\" is invalid (" + p.pattern() + ")");
    }
  }
}
