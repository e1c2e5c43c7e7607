package dev.graft.lab.host;

import dev.graft.lab.ExecResult;
import dev.graft.lab.LabException;
import dev.graft.lab.LabHost;
import dev.graft.lab.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The operations behind {@link dev.graft.lab.LabFaults}, per host kind. The command-level faults
 * run inside the host through {@link #exec}, so they work the same in both kinds.
 */
public interface FaultableHost extends LabHost {
  Duration SHORT = Duration.ofSeconds(15);

  /** Stops the SSH server; existing sessions survive unless {@code killSessions}. */
  void stopSshd(boolean killSessions);

  void startSshd();

  boolean sshdRunning();

  /** Takes the host's link down (true) or up (false). */
  void cutLink(boolean cut);

  /** Adds {@code delay} to packets towards the host; Duration.ZERO removes it. */
  void setLatency(Duration delay);

  /** Kills the process named by a PID file inside the host, if it belongs to this host. */
  boolean killByPidFile(String pidFile, boolean force);

  /** Where a path inside the host (validated, absolute) is on this machine. */
  Path machinePath(String absPath);

  @Override
  default Optional<String> readFile(String absPath) {
    Names.absPath("path", absPath);
    try {
      return Optional.of(Files.readString(machinePath(absPath)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new LabException(
          "host " + name() + ": cannot read " + absPath + ": " + e.getMessage(), e);
    }
  }

  @Override
  default long startDaemon(String daemon, String... argv) {
    return Daemons.start(this, daemon, argv);
  }

  @Override
  default boolean stopDaemon(String daemon) {
    return Daemons.stop(this, daemon);
  }

  @Override
  default boolean daemonRunning(String daemon) {
    return Daemons.running(this, daemon);
  }

  default void failNext(String command, int times, int exitCode) {
    Names.command("command", command);
    if (times < 0 || exitCode < 1 || exitCode > 255) {
      throw new IllegalArgumentException("times must be >= 0 and exit code 1..255");
    }
    arm(command, "fail", times, exitCode);
  }

  /**
   * The next {@code times} runs of {@code command} first sleep {@code seconds} (1..600), then run.
   */
  default void delayNext(String command, int times, int seconds) {
    Names.command("command", command);
    if (times < 0 || seconds < 1 || seconds > 600) {
      throw new IllegalArgumentException("times must be >= 0 and seconds 1..600");
    }
    arm(command, "delay", times, seconds);
  }

  /** kubeadm's join phases after which {@link #failJoinAfter} can fail a join. */
  List<String> JOIN_PHASES =
      List.of("control-plane-prepare", "kubelet-start", "control-plane-join/etcd");

  /** Arms the kubeadm stand-in: its next {@code times} joins fail right after {@code phase}. */
  default void failJoinAfter(String phase, int times) {
    if (!JOIN_PHASES.contains(phase)) {
      throw new IllegalArgumentException(
          "unknown kubeadm join phase '" + phase + "'; known: " + JOIN_PHASES);
    }
    if (times < 0) {
      throw new IllegalArgumentException("times must be >= 0");
    }
    ExecResult r =
        exec(
            SHORT,
            "/bin/sh",
            "-c",
            "d=\"${GRAFT_LAB_ROOT:-}/run/graft-lab/join-fault\"; mkdir -p \"$d\" && echo \"$2\" >\"$d/$1.tmp\" && mv \"$d/$1.tmp\" \"$d/$1\"",
            "graft-lab-join-fault",
            phase.replace('/', '_'),
            Integer.toString(times));
    if (!r.ok()) {
      throw new LabException(
          "host "
              + name()
              + ": cannot arm a join failure after "
              + phase
              + ": "
              + r.stderr().strip());
    }
  }

  /** Faults of kubeadm upgrade apply|node that {@link #failUpgrade} can arm. */
  List<String> UPGRADE_FAULTS = List.of("apply/control-plane", "node/control-plane");

  /**
   * Arms the kubeadm stand-in: its next {@code times} runs of the upgrade step fail ({@link
   * #UPGRADE_FAULTS}); with {@code pauseSeconds} > 0 instead, {@code "apply-pause"} makes the next
   * applies stop that long half-way.
   */
  default void armUpgradeFault(String fault, int times, int pauseSeconds) {
    if (!UPGRADE_FAULTS.contains(fault) && !fault.equals("apply-pause")) {
      throw new IllegalArgumentException(
          "unknown kubeadm upgrade fault '"
              + fault
              + "'; known: "
              + UPGRADE_FAULTS
              + ", apply-pause");
    }
    if (times < 0 || pauseSeconds < 0 || pauseSeconds > 600) {
      throw new IllegalArgumentException("times must be >= 0, the pause 0..600 s");
    }
    ExecResult r =
        exec(
            SHORT,
            "/bin/sh",
            "-c",
            "d=\"${GRAFT_LAB_ROOT:-}/run/graft-lab/upgrade-fault\"; mkdir -p \"$d\" && echo \"$2 $3\" >\"$d/$1.tmp\" && mv \"$d/$1.tmp\" \"$d/$1\"",
            "graft-lab-upgrade-fault",
            fault.replace('/', '_'),
            Integer.toString(times),
            Integer.toString(pauseSeconds));
    if (!r.ok()) {
      throw new LabException(
          "host "
              + name()
              + ": cannot arm kubeadm upgrade fault "
              + fault
              + ": "
              + r.stderr().strip());
    }
  }

  default void recordInvocations(String command) {
    Names.command("command", command);
    arm(command, "record", 0, 1);
  }

  private void arm(String command, String mode, int n, int code) {
    ExecResult r =
        exec(
            SHORT,
            "/bin/sh",
            "-c",
            HostScripts.ARM,
            "graft-lab-arm",
            command,
            mode,
            Integer.toString(n),
            Integer.toString(code));
    if (!r.ok()) {
      throw new LabException(
          "host " + name() + ": cannot arm " + mode + " of " + command + ": " + r.stderr().strip());
    }
  }
}
