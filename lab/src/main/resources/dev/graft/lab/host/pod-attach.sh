# graft lab: a test "pod" on a lab host, as kubenet's bridge plugin would make one: a network
# namespace inside the host (named, under the host's own /run/netns), a veth pair with one end on
# the host's bridge and the other as the pod's eth0, an address in the node's pod CIDR and a route
# to the cluster's pod network through the bridge address (never a default route: lab hosts reach
# nothing beyond the lab). Lab plumbing calls the real ip (not a recording wrapper), so a host's
# mutation log shows only what Graft did. Arguments: POD ADDR/PREFIX GATEWAY POD-NETWORK BRIDGE.
set -eu
. /usr/local/lib/graft-lab/lab.sh
ip=$(graft_lab_real ip)
pod=$1; addr=$2; gw=$3; net=$4; br=$5
hv="gp-$pod"
"$ip" netns del "$pod" 2>/dev/null || true
"$ip" link del "$hv" 2>/dev/null || true
"$ip" link show dev "$br" >/dev/null 2>&1 || { echo "no bridge $br on this host" >&2; exit 3; }
"$ip" netns add "$pod"
"$ip" link add "$hv" type veth peer name eth0 netns "$pod"
"$ip" link set dev "$hv" master "$br" up
"$ip" -n "$pod" link set lo up
"$ip" -n "$pod" addr add "$addr" dev eth0
"$ip" -n "$pod" link set eth0 up
"$ip" -n "$pod" route add "$net" via "$gw"
