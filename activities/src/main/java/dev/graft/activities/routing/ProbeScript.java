package dev.graft.activities.routing;

/**
 * The verification probe, run as {@code sh -c TEXT graft-probe ADDR/PREFIX GATEWAY CLUSTER BRIDGE
 * TARGET...}: a network namespace {@code graft-probe} on the node's bridge, holding the last usable
 * address of the node's pod CIDR and a route to the pod network only (never a default route), pings
 * every target in parallel and is removed on every exit. Fixed text: the values arrive as quoted,
 * validated arguments.
 */
final class ProbeScript {
  private ProbeScript() {}

  static final String TEXT =
      String.join(
          "\n",
          "set -eu",
          "ns=graft-probe; hv=graftprobe0",
          "addr=$1; gw=$2; cluster=$3; br=$4; shift 4",
          "dir=",
          "cleanup() { ip netns del \"$ns\" 2>/dev/null || true; ip link del \"$hv\" 2>/dev/null || true;"
              + " [ -z \"$dir\" ] || rm -rf \"$dir\"; }",
          "trap cleanup EXIT",
          "trap 'exit 143' TERM INT HUP",
          "command -v ping >/dev/null 2>&1 || { echo 'ping is not installed on this node (iputils-ping)' >&2; exit 4; }",
          "ip link show dev \"$br\" >/dev/null 2>&1 || { echo \"no bridge $br: the routes step has not run\" >&2; exit 4; }",
          // A probe left by an attempt that died is removed first.
          "ip netns del \"$ns\" 2>/dev/null || true; ip link del \"$hv\" 2>/dev/null || true",
          "ip netns add \"$ns\"",
          "ip link add \"$hv\" type veth peer name eth0 netns \"$ns\"",
          "ip link set dev \"$hv\" master \"$br\" up",
          "ip -n \"$ns\" link set lo up",
          "ip -n \"$ns\" addr add \"$addr\" dev eth0",
          "ip -n \"$ns\" link set eth0 up",
          "ip -n \"$ns\" route add \"$cluster\" via \"$gw\"",
          "dir=$(mktemp -d)",
          "i=0",
          "for t in \"$@\"; do",
          "  i=$((i + 1))",
          "  ( set +e; ip netns exec \"$ns\" ping -n -q -c 3 -i 0.2 -W 1 \"$t\"; echo \"rc=$?\" ) >\"$dir/$i\" 2>&1 &",
          "done",
          "wait",
          "i=0",
          "for t in \"$@\"; do i=$((i + 1)); echo \"==> $t\"; cat \"$dir/$i\"; done",
          "");
}
