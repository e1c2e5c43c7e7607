package dev.graft.lab.host;

import dev.graft.lab.ExecResult;
import dev.graft.lab.LabException;
import dev.graft.lab.LabKind;
import dev.graft.lab.PidRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A host made of network, mount and UTS namespaces held by one process (the holder). Commands enter
 * it with nsenter; files are read through /proc/HOLDER/root (the host's mount namespace).
 */
public final class NetnsHost extends HostIdentity implements FaultableHost {
  static final String SSHD_CONFIG = "/etc/ssh/graft-lab/sshd_config";
  static final String SSHD_PIDFILE = "/run/graft-lab/sshd.pid";
  static final String PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final String labId;
  private final String hostKey;
  private final String veth;
  private final PidRef holder;
  private final String netns;

  public NetnsHost(
      String labId,
      String name,
      int index,
      String address,
      List<String> roles,
      String hostKey,
      String veth,
      PidRef holder,
      String netns) {
    super(name, index, address, List.copyOf(roles));
    this.labId = labId;
    this.hostKey = hostKey;
    this.veth = veth;
    this.holder = holder;
    this.netns = netns;
  }

  @Override
  public int sshPort() {
    return 22;
  }

  @Override
  public LabKind kind() {
    return LabKind.NETNS;
  }

  @Override
  public String hostKey() {
    return hostKey;
  }

  @Override
  public String rootPrefix() {
    return "";
  }

  public PidRef holder() {
    return holder;
  }

  public String netns() {
    return netns;
  }

  public String veth() {
    return veth;
  }

  private void requireUp() {
    if (!holder.alive()) {
      throw new LabException(
          "host " + name() + " is down (holder process " + holder.pid() + " is gone)");
    }
  }

  @Override
  public ExecResult exec(Duration timeout, byte[] stdin, String... argv) {
    requireUp();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "nsenter", "-t", Long.toString(holder.pid()), "-n", "-m", "-u", "-r", "-w", "--"));
    cmd.addAll(List.of(argv));
    Map<String, String> env =
        Map.of(
            "PATH", PATH_ENV,
            "HOME", "/root",
            "USER", "root",
            "LOGNAME", "root",
            "LANG", "C.UTF-8",
            "GRAFT_LAB_ID", labId,
            "GRAFT_LAB_HOST", name());
    return Proc.run(timeout, cmd, env, Path.of("/"), stdin);
  }

  /** The host's files through its holder's root: never by writing into its overlay directories. */
  @Override
  public Path machinePath(String absPath) {
    requireUp();
    return Path.of("/proc", Long.toString(holder.pid()), "root", absPath.substring(1));
  }

  /** A PID read from a file inside this host, accepted only when the process is in this host. */
  private Optional<PidRef> pidFromFile(String pidFile) {
    Optional<String> text = readFile(pidFile);
    if (text.isEmpty() || !text.get().strip().matches("[0-9]{1,9}")) {
      return Optional.empty();
    }
    PidRef p = PidRef.of(Long.parseLong(text.get().strip()));
    if (p == null || !netns.equals(p.netns())) {
      return Optional.empty();
    }
    return Optional.of(p);
  }

  @Override
  public void stopSshd(boolean killSessions) {
    pidFromFile(SSHD_PIDFILE).ifPresent(p -> Procfs.terminate(List.of(p), 3000));
    if (killSessions) {
      List<PidRef> sessions = new ArrayList<>();
      for (PidRef p : Procfs.inNetns(netns)) {
        if (p.cmdline().startsWith("sshd")) {
          sessions.add(p);
        }
      }
      Procfs.terminate(sessions, 2000);
    }
  }

  @Override
  public void startSshd() {
    if (sshdRunning()) {
      return;
    }
    exec(
            FaultableHost.SHORT,
            "/usr/sbin/sshd",
            "-f",
            SSHD_CONFIG,
            "-E",
            "/var/log/graft-lab/sshd.log")
        .orThrow("host " + name() + ": sshd start");
    // sshd daemonizes before it listens and writes its PID file once it does: the command above
    // returns before connections are accepted. Wait for the PID file's process.
    long deadline = System.nanoTime() + FaultableHost.SHORT.toNanos();
    while (!sshdRunning()) {
      if (System.nanoTime() > deadline) {
        throw new LabException(
            "host "
                + name()
                + ": sshd started but wrote no live PID to "
                + SSHD_PIDFILE
                + " within "
                + FaultableHost.SHORT.toSeconds()
                + " s (see /var/log/graft-lab/sshd.log)");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LabException("host " + name() + ": interrupted waiting for sshd");
      }
    }
  }

  @Override
  public boolean sshdRunning() {
    return pidFromFile(SSHD_PIDFILE).map(PidRef::alive).orElse(false);
  }

  @Override
  public void cutLink(boolean cut) {
    Proc.run(FaultableHost.SHORT, List.of("ip", "link", "set", veth, cut ? "down" : "up"))
        .orThrow("host " + name() + ": ip link set " + veth + (cut ? " down" : " up"));
  }

  @Override
  public void setLatency(Duration delay) {
    if (delay.isZero()) {
      ExecResult r =
          Proc.run(FaultableHost.SHORT, List.of("tc", "qdisc", "del", "dev", veth, "root"));
      if (!r.ok()
          && !r.stderr().contains("No such file")
          && !r.stderr().contains("Cannot delete qdisc with handle of zero")) {
        r.orThrow("host " + name() + ": tc qdisc del");
      }
      return;
    }
    ExecResult r =
        Proc.run(
            FaultableHost.SHORT,
            List.of(
                "tc",
                "qdisc",
                "replace",
                "dev",
                veth,
                "root",
                "netem",
                "delay",
                delay.toMillis() + "ms"));
    if (!r.ok() && r.stderr().contains("qdisc kind is unknown")) {
      throw new LabException(
          "host "
              + name()
              + ": this kernel has no netem qdisc (sch_netem), so latency cannot be added");
    }
    r.orThrow("host " + name() + ": tc netem");
  }

  @Override
  public boolean killByPidFile(String pidFile, boolean force) {
    Optional<PidRef> p = pidFromFile(pidFile);
    p.ifPresent(ref -> Procfs.stop(ref.pid(), force));
    return p.isPresent();
  }
}
