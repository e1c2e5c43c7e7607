package dev.graft.activities.node;

/**
 * The provisioning script: every change is applied only when the node differs, and each change it
 * makes prints one {@code changed: …} line, so a second run prints none (already satisfied). Fixed
 * text only: nothing from the inventory reaches it.
 */
public final class Provisioning {
  private Provisioning() {}

  public static final String SYSCTL_FILE = "/etc/sysctl.d/99-graft-kubernetes.conf";
  public static final String MODULES_FILE = "/etc/modules-load.d/graft-kubernetes.conf";

  public static final String SCRIPT =
      String.join(
          "\n",
          "set -e",
          "if [ \"$(awk 'NR>1{n++} END{print n+0}' /proc/swaps)\" != 0 ]; then swapoff -a; echo 'changed: swapoff -a'; fi",
          "if [ -f /etc/fstab ] && grep -Eq '^[^#]\\S*\\s+\\S+\\s+swap\\s' /etc/fstab; then",
          "  sed -i.graft-bak -E 's|^([^#]\\S*\\s+\\S+\\s+swap\\s.*)$|# \\1  # swap disabled by graft|' /etc/fstab",
          "  echo 'changed: swap commented out of /etc/fstab'",
          "fi",
          "want_modules=$(printf 'br_netfilter\\noverlay\\n')",
          "if [ \"$(cat " + MODULES_FILE + " 2>/dev/null)\" != \"$want_modules\" ]; then",
          "  mkdir -p /etc/modules-load.d; printf '%s\\n' \"$want_modules\" > "
              + MODULES_FILE
              + ".tmp && mv "
              + MODULES_FILE
              + ".tmp "
              + MODULES_FILE,
          "  echo 'changed: " + MODULES_FILE + "'",
          "fi",
          // A module counts as present when loaded, built in (/sys/module), or, for br_netfilter,
          // when its sysctls exist (built-in modules without parameters have no /sys/module entry).
          "present() { grep -q \"^$1 \" /proc/modules 2>/dev/null || [ -d /sys/module/$1 ] || { [ $1 = br_netfilter ] && [ -d /proc/sys/net/bridge ]; }; }",
          "for m in br_netfilter overlay; do",
          "  if ! present $m; then modprobe $m; echo \"changed: modprobe $m\"; fi",
          "done",
          "want_sysctl=$(printf 'net.bridge.bridge-nf-call-iptables = 1\\nnet.bridge.bridge-nf-call-ip6tables = 1\\nnet.ipv4.ip_forward = 1\\n')",
          "if [ \"$(cat " + SYSCTL_FILE + " 2>/dev/null)\" != \"$want_sysctl\" ]; then",
          "  mkdir -p /etc/sysctl.d; printf '%s\\n' \"$want_sysctl\" > "
              + SYSCTL_FILE
              + ".tmp && mv "
              + SYSCTL_FILE
              + ".tmp "
              + SYSCTL_FILE,
          "  echo 'changed: " + SYSCTL_FILE + "'",
          "fi",
          "for kv in net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1; do",
          "  k=${kv%=*}; v=${kv#*=}; f=/proc/sys/$(echo $k | tr . /)",
          "  if [ -e \"$f\" ] && [ \"$(cat $f)\" != \"$v\" ]; then sysctl -w \"$kv\" >/dev/null; echo \"changed: sysctl $kv\"; fi",
          "done",
          "if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet firewalld 2>/dev/null; then",
          "  systemctl disable --now firewalld; echo 'changed: firewalld disabled'",
          "fi",
          "echo provisioned",
          "");
}
