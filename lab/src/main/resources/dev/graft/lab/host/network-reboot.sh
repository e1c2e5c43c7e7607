# graft lab: what a reboot does to a netns host's network, then what boot restores. A reboot
# loses every namespace, link, route, firewall rule and runtime sysctl the running system made,
# and /run; /etc and /var stay. The host's NIC (eth0, its address and subnet route) comes back as
# the OS configures it, so it is kept, and so is the lab's own state under /run/graft-lab.
# Boot then applies net.ipv4.ip_forward from /etc/sysctl.d (as systemd-sysctl; only that key:
# most other sysctls are the machine's, shared by every lab host) and starts every unit enabled
# in multi-user.target.wants through the systemctl stand-in, except those the machine itself has
# enabled (arguments). Real tools, not recording wrappers.
set -u
. /usr/local/lib/graft-lab/lab.sh
ip=$(graft_lab_real ip)
ipt=$(graft_lab_real iptables)
sysctl=$(graft_lab_real sysctl)
for n in $("$ip" netns list | awk '{print $1}'); do "$ip" netns del "$n" || true; done
for l in $("$ip" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
  case "$l" in lo | eth0) ;; *) "$ip" link del "$l" 2>/dev/null || true ;; esac
done
"$ip" -4 -o route show | grep -v ' proto kernel ' | while read -r line; do
  # shellcheck disable=SC2086 # the route's own words select it
  "$ip" route del $line 2>/dev/null || true
done
for t in filter nat mangle raw; do "$ipt" -w 5 -t "$t" -F 2>/dev/null || true; "$ipt" -w 5 -t "$t" -X 2>/dev/null || true; done
for c in INPUT FORWARD OUTPUT; do "$ipt" -w 5 -P "$c" ACCEPT; done
"$sysctl" -q -w net.ipv4.ip_forward=0
rm -f /run/graft-lab/units/*.active
echo "graft-lab: network state cleared as by a reboot"
want=$(cat /etc/sysctl.d/*.conf 2>/dev/null | sed -n 's/^[[:space:]]*net\.ipv4\.ip_forward[[:space:]]*=[[:space:]]*\([01]\)[[:space:]]*$/\1/p' | tail -n1)
if [ -n "$want" ]; then "$sysctl" -q -w net.ipv4.ip_forward="$want"; echo "boot: net.ipv4.ip_forward=$want"; fi
rc=0
for u in /etc/systemd/system/multi-user.target.wants/*; do
  [ -e "$u" ] || continue
  # Units the machine itself has enabled show through the host's copy-on-write /etc: they are
  # the machine's (its sshd, cron, ...), not the host's, and the arguments name them.
  for skip in "$@"; do [ "$skip" = "$(basename "$u")" ] && continue 2; done
  if systemctl start "$(basename "$u")"; then echo "boot: started $(basename "$u")"; else rc=1; echo "boot: $(basename "$u") failed"; fi
done
exit $rc
