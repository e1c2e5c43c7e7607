#!/bin/bash
# Init of a graft lab netns host. Runs as the first process inside fresh network, mount and UTS
# namespaces (unshare --net --mount --uts --propagation private), then stays as their holder.
# Input (environment): GL_NAME GL_ADDR GL_PREFIX GL_SUBNET GL_HOSTDIR GL_MARKER.
set -euo pipefail
# The log stays open on this fd after /tmp is covered by the host's own tmpfs.
exec >>"$GL_HOSTDIR/init.log" 2>&1 </dev/null
trap 'echo "graft-lab-init: FAILED at line $LINENO: $BASH_COMMAND"' ERR
cd /

hostname "$GL_NAME"
# Copy-on-write views of the machine's directories; writes land in GL_HOSTDIR/upper.
for d in etc var root opt usr/local; do
  mount -t overlay "graft-lab-$GL_NAME" \
    -o "lowerdir=/$d,upperdir=$GL_HOSTDIR/upper/$d,workdir=$GL_HOSTDIR/work/$d" "/$d"
done
# The machine's /usr (and /bin, /lib through usrmerge) is read-only inside the host, so nothing
# run in it (a package install through the host's own dpkg database, say) can change the
# machine's programs: a write fails with EROFS instead. /usr/local stays the host's overlay.
mount --rbind /usr /usr
mount -o remount,bind,ro /usr
mount -t tmpfs -o mode=755,size=64m graft-lab-run /run
mkdir -p /run/graft-lab /run/sshd
# A sysfs of this network namespace (as 'ip netns exec' does), keeping the cgroup mounts.
mkdir -p /run/graft-lab/cgroup
cg=0
if mount --rbind /sys/fs/cgroup /run/graft-lab/cgroup 2>/dev/null; then cg=1; fi
umount -l /sys
mount -t sysfs sysfs /sys
if [ "$cg" = 1 ]; then mount --move /run/graft-lab/cgroup /sys/fs/cgroup || true; fi
rmdir /run/graft-lab/cgroup 2>/dev/null || true

# The machine's root keys are not this host's: start with an empty /root/.ssh.
rm -rf /root/.ssh
# Files the lab and the stand-ins placed for this host (sshd config, host key, scripts).
seed="$GL_HOSTDIR/seed"
if [ -d "$seed/tmp" ]; then
  mkdir -p /run/graft-lab/tmp-seed
  cp -a "$seed/tmp/." /run/graft-lab/tmp-seed/
fi
# Only the host's own trees (overlays and tmpfs) are written; never the machine's / or /usr.
for d in etc var root opt usr/local run; do
  if [ -d "$seed/$d" ]; then cp -a --no-preserve=timestamps "$seed/$d/." "/$d/"; fi
done
# Directories of the machine's /tmp that hold the JVM's classpath (GL_KEEP) stay visible,
# read-only, under the host's own /tmp: held aside, /tmp covered, then moved back.
IFS=: read -ra keeps <<< "${GL_KEEP:-}"
kept=()
for k in "${keeps[@]}"; do
  [ -d "$k" ] || continue
  mkdir -p "/run/graft-lab/keep/${#kept[@]}"
  mount --bind "$k" "/run/graft-lab/keep/${#kept[@]}"
  kept+=("$k")
done
mount -t tmpfs -o mode=1777,size=256m graft-lab-tmp /tmp
for i in "${!kept[@]}"; do
  mkdir -p "${kept[$i]}"
  mount --move "/run/graft-lab/keep/$i" "${kept[$i]}"
  mount -o remount,bind,ro "${kept[$i]}" || true
done
rm -rf /run/graft-lab/keep
if [ -d /run/graft-lab/tmp-seed ]; then
  cp -a /run/graft-lab/tmp-seed/. /tmp/
  rm -rf /run/graft-lab/tmp-seed
fi
mkdir -p /var/log/graft-lab /run/graft-lab/fail /run/graft-lab/record /run/graft-lab/daemons

ip link set lo up
# The lab moves eth0 into this namespace from outside.
for _ in $(seq 1 1500); do
  [ -e /sys/class/net/eth0 ] && break
  sleep 0.01
done
ip addr add "$GL_ADDR/$GL_PREFIX" dev eth0
ip link set eth0 up
# Immediate ACKs on the lab subnet: delayed ACKs stall short SSH exchanges by up to 40 ms each.
ip route change "$GL_SUBNET" dev eth0 proto kernel scope link src "$GL_ADDR" quickack 1 || true

/usr/sbin/sshd -f /etc/ssh/graft-lab/sshd_config -E /var/log/graft-lab/sshd.log
echo ok >/run/graft-lab/ready
echo "graft-lab-init: ready"
exec -a "$GL_MARKER" sleep infinity
