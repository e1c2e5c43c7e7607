package dev.graft.lab;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A lab host: reachable over SSH at {@link #address()}:{@link #sshPort()} with the lab's client
 * key, and controllable from the lab's JVM without SSH through {@link #exec}. Commands run as root
 * inside the host (netns: entered with nsenter; in-process: /bin/sh in the sandbox with
 * GRAFT_LAB_ROOT set).
 */
public interface LabHost {
  String name();

  int index();

  String address();

  int sshPort();

  List<String> roles();

  LabKind kind();

  /** The host's SSH public key, "ssh-ed25519 AAAA...". */
  String hostKey();

  /** "" for netns hosts, the sandbox directory for in-process hosts (see {@link HostSetup}). */
  String rootPrefix();

  /** Runs argv inside the host; the command is killed when the timeout passes. */
  default ExecResult exec(Duration timeout, String... argv) {
    return exec(timeout, (byte[]) null, argv);
  }

  /**
   * Runs argv inside the host with {@code stdin} (null: /dev/null) as its standard input; the
   * command is killed when the timeout passes.
   */
  ExecResult exec(Duration timeout, byte[] stdin, String... argv);

  /** Runs a /bin/sh script inside the host. */
  default ExecResult sh(Duration timeout, String script) {
    return exec(timeout, "/bin/sh", "-c", script);
  }

  /** Reads a file inside the host; empty when it does not exist. */
  Optional<String> readFile(String absPath);

  /**
   * Starts a daemon inside the host, detached, with its PID in /run/graft-lab/daemons/NAME.pid and
   * its output in /var/log/graft-lab/NAME.log. Returns its PID; a running daemon is left alone.
   */
  long startDaemon(String name, String... argv);

  /** Stops a daemon started by {@link #startDaemon}: TERM, then KILL after 5 s. */
  boolean stopDaemon(String name);

  boolean daemonRunning(String name);

  /** The mutation log /var/log/graft-lab/mutations.log of this host, oldest first. */
  default List<Mutation> mutations() {
    return readFile("/var/log/graft-lab/mutations.log").stream()
        .flatMap(String::lines)
        .map(Mutation::parse)
        .filter(Objects::nonNull)
        .toList();
  }

  /** Mutations of one command, e.g. how many times "kubeadm" mutated this host. */
  default List<Mutation> mutations(String command) {
    return mutations().stream().filter(m -> m.command().equals(command)).toList();
  }
}
