package dev.graft.lab.standin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The little the stand-ins need from a lab host: run a command inside it and place files in it. The
 * lab's host implementations (network-namespace hosts, in-process hosts) are adapted to this
 * interface; tests use a local sandbox directory. Paths passed here are paths as seen inside the
 * host ("/etc/kubernetes/kubelet.conf"); {@link #rootPrefix()} says where that "/" is on this
 * machine for hosts that have no private root.
 */
public interface StandinHost {

  /** The host's name (its hostname and Node name). */
  String name();

  /** The host's address, as the other hosts and the API stand-in see it. */
  String address();

  /**
   * The directory that stands for "/" inside the host, without a trailing slash: "" for hosts with
   * their own mount namespace (netns hosts), the sandbox directory for in-process hosts. The
   * stand-ins prefix every absolute path they touch with it.
   */
  String rootPrefix();

  /**
   * Runs argv inside the host (PATH includes the host's /usr/local/bin), feeding stdin if given.
   */
  ExecResult exec(Duration timeout, byte[] stdin, String... argv) throws IOException;

  default ExecResult exec(Duration timeout, String... argv) throws IOException {
    return exec(timeout, null, argv);
  }

  /**
   * Writes a file inside the host through a command run in it, never by writing into a running
   * host's overlay from outside. Hosts may override with something faster.
   */
  default void writeFile(String path, byte[] content, String mode) throws IOException {
    HostPaths.requireSafePath(path);
    if (!mode.matches("[0-7]{3,4}")) {
      throw new IllegalArgumentException("bad file mode " + mode);
    }
    String target = rootPrefix() + path;
    ExecResult r =
        exec(
            Duration.ofSeconds(20),
            content,
            "/bin/sh",
            "-c",
            "umask 022 && mkdir -p \"$(dirname \"$1\")\" && (umask 077 && cat > \"$1.tmp\") && chmod "
                + mode
                + " \"$1.tmp\" && mv -f \"$1.tmp\" \"$1\"",
            "sh",
            target);
    r.requireSuccess("write " + path + " on " + name());
  }

  default void writeFile(String path, String content, String mode) throws IOException {
    writeFile(path, content.getBytes(StandardCharsets.UTF_8), mode);
  }
}
