package dev.graft.lab.bootstrap;

import dev.graft.lab.LabHost;
import dev.graft.lab.standin.ExecResult;
import dev.graft.lab.standin.StandinHost;
import java.io.IOException;
import java.time.Duration;

/**
 * A lab host as the stand-ins see it. Commands and their stdin go through {@link LabHost#exec}
 * (nsenter for netns hosts, /bin/sh in the sandbox for in-process hosts), so files the stand-ins
 * write are written from inside the host, never into a running overlay from outside.
 */
public final class LabStandinHost implements StandinHost {
  /** timeout(1)'s exit code, so a killed command reads as one. */
  static final int TIMED_OUT = 124;

  private final LabHost host;

  public LabStandinHost(LabHost host) {
    this.host = host;
  }

  public LabHost labHost() {
    return host;
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public String address() {
    return host.address();
  }

  @Override
  public String rootPrefix() {
    return host.rootPrefix();
  }

  @Override
  public ExecResult exec(Duration timeout, byte[] stdin, String... argv) throws IOException {
    return map(host.exec(timeout, stdin, argv), timeout);
  }

  static ExecResult map(dev.graft.lab.ExecResult r, Duration timeout) {
    if (r.timedOut()) {
      return new ExecResult(
          TIMED_OUT,
          r.stdout(),
          r.stderr()
              + (r.stderr().isEmpty() || r.stderr().endsWith("\n") ? "" : "\n")
              + "killed: timed out after "
              + timeout);
    }
    return new ExecResult(r.exitCode(), r.stdout(), r.stderr());
  }
}
