#!/bin/sh
# graft pod-network: this node's pod network in Graft's simple routed mode (docs/routing.md).
# Installed by Graft at /usr/local/lib/graft/pod-network; it reads /etc/graft/pod-network.conf.
#
#   pod-network apply           bring the node to the config: bridge, forwarding, FORWARD rules,
#                               routes. graft-pod-network.service runs this at every boot.
#   pod-network sync [--reload] what Graft runs: enable the boot unit (daemon-reload first when
#                               Graft rewrote it), then apply.
#
# Each change prints one "changed: ..." line, so a run that prints none changed nothing; checks
# only read (/proc, `ip ... show`, `iptables -C/-S`). Routes Graft installs carry "proto 213":
# only those are ever replaced or deleted here, every other route is left alone.
# Exit codes: 0 done, 1 a command failed, 2 the config is missing or invalid, 3 the node holds
# something that conflicts with the config and needs a person (see the message).
set -eu
CONF=/etc/graft/pod-network.conf
PROTO=213
UNIT=graft-pod-network.service
COMMENT=graft-pod-network

fail() { _code=$1; shift; echo "pod-network: $*" >&2; exit "$_code"; }
changed() { echo "changed: $*"; }
is_cidr() { printf '%s\n' "$1" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$'; }
is_ip() { printf '%s\n' "$1" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}$'; }

read_conf() {
  [ -f "$CONF" ] || fail 2 "$CONF is missing: run Graft's routing for this node"
  BRIDGE=; BRIDGE_ADDR=; CLUSTER=; ROUTES=
  while read -r key a b _rest; do
    case "$key" in
      '' | '#'*) ;;
      bridge) BRIDGE=$a ;;
      bridge-address) BRIDGE_ADDR=$a ;;
      cluster-cidr) CLUSTER=$a ;;
      route)
        { is_cidr "$a" && is_ip "$b"; } || fail 2 "$CONF: bad route line: route $a $b"
        ROUTES="$ROUTES$a $b
" ;;
      *) fail 2 "$CONF: unknown key '$key'" ;;
    esac
  done <"$CONF"
  printf '%s\n' "$BRIDGE" | grep -Eq '^[A-Za-z0-9_.-]{1,15}$' || fail 2 "$CONF: bad bridge name '$BRIDGE'"
  is_cidr "$BRIDGE_ADDR" || fail 2 "$CONF: bad bridge-address '$BRIDGE_ADDR'"
  is_cidr "$CLUSTER" || fail 2 "$CONF: bad cluster-cidr '$CLUSTER'"
}

ensure_forwarding() {
  if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ]; then
    sysctl -q -w net.ipv4.ip_forward=1
    changed "sysctl -w net.ipv4.ip_forward=1"
  fi
}

ensure_bridge() {
  if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    ip link add name "$BRIDGE" type bridge
    changed "ip link add $BRIDGE type bridge"
  elif ! ip -d -o link show dev "$BRIDGE" | grep -q ' bridge '; then
    fail 3 "$BRIDGE exists and is not a bridge; remove or rename it, then rerun"
  fi
  found=0
  for a in $(ip -o -4 addr show dev "$BRIDGE" | awk '{print $4}'); do
    if [ "$a" = "$BRIDGE_ADDR" ]; then
      found=1
    else
      fail 3 "$BRIDGE holds $a, but this node's pod CIDR needs $BRIDGE_ADDR; remove the old address (ip addr del $a dev $BRIDGE) once no pod uses it, then rerun"
    fi
  done
  if [ "$found" = 0 ]; then
    ip addr add "$BRIDGE_ADDR" dev "$BRIDGE"
    changed "ip addr add $BRIDGE_ADDR dev $BRIDGE"
  fi
  case "$(ip -o link show dev "$BRIDGE")" in
    *'<UP,'* | *',UP,'* | *',UP>'* | *'<UP>'*) ;;
    *)
      ip link set dev "$BRIDGE" up
      changed "ip link set $BRIDGE up" ;;
  esac
}

ensure_forward_rules() {
  for dir in -s -d; do
    if ! iptables -w 5 -C FORWARD "$dir" "$CLUSTER" -m comment --comment "$COMMENT" -j ACCEPT 2>/dev/null; then
      iptables -w 5 -I FORWARD 1 "$dir" "$CLUSTER" -m comment --comment "$COMMENT" -j ACCEPT
      changed "iptables -I FORWARD $dir $CLUSTER -j ACCEPT"
    fi
  done
  # Graft's rules for an earlier pod network go; rules of anyone else are never matched here.
  iptables -w 5 -S FORWARD | awk -v c="$COMMENT" -v want="$CLUSTER" '
    $0 ~ ("--comment " c " ") && ($3 == "-s" || $3 == "-d") && $4 != want { print $3, $4 }' |
    while read -r dir old; do
      iptables -w 5 -D FORWARD "$dir" "$old" -m comment --comment "$COMMENT" -j ACCEPT
      changed "iptables -D FORWARD $dir $old -j ACCEPT (an earlier pod network)"
    done
}

ensure_routes() {
  printf '%s' "$ROUTES" | while read -r dst via; do
    [ -n "$dst" ] || continue
    if ! ip -o -4 route show exact "$dst" | awk -v d="$dst" -v v="$via" -v p="$PROTO" '
        $1 == d && $2 == "via" && $3 == v { for (i = 4; i < NF; i++) if ($i == "proto" && $(i + 1) == p) f = 1 }
        END { exit !f }'; then
      ip route replace "$dst" via "$via" proto "$PROTO"
      changed "ip route replace $dst via $via proto $PROTO"
    fi
  done
  # Routes Graft installed to nodes that no longer exist. Only proto $PROTO routes are listed.
  ip -o -4 route show proto "$PROTO" | while read -r dst _rest; do
    if ! printf '%s' "$ROUTES" | awk -v d="$dst" '$1 == d { f = 1 } END { exit !f }'; then
      ip route del "$dst" proto "$PROTO"
      changed "ip route del $dst proto $PROTO (no such node any more)"
    fi
  done
}

apply() {
  read_conf
  ensure_forwarding
  ensure_bridge
  ensure_forward_rules
  ensure_routes
}

enable_unit() {
  if ! command -v systemctl >/dev/null 2>&1; then
    echo "note: no systemctl here: run '/usr/local/lib/graft/pod-network apply' at boot to restore the routes"
    return 0
  fi
  if [ "${1:-}" = --reload ]; then
    systemctl daemon-reload
  fi
  if ! systemctl is-enabled --quiet "$UNIT" 2>/dev/null; then
    systemctl enable --quiet "$UNIT"
    changed "systemctl enable $UNIT"
  fi
}

case "${1:-}" in
  apply) apply ;;
  sync) shift; enable_unit "${1:-}"; apply ;;
  *) echo "usage: pod-network apply | sync [--reload]" >&2; exit 2 ;;
esac
