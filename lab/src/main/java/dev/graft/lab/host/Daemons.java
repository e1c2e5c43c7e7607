package dev.graft.lab.host;

import dev.graft.lab.ExecResult;
import dev.graft.lab.LabException;
import dev.graft.lab.LabHost;
import dev.graft.lab.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Host daemons through lab.sh's graft_lab_daemon_* functions, the same ones stand-ins use. */
final class Daemons {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String PRELUDE = ". \"${GRAFT_LAB_ROOT:-}" + HostScripts.LIB + "\"; ";

  private Daemons() {}

  static long start(LabHost host, String daemon, String... argv) {
    Names.command("daemon", daemon);
    if (argv.length == 0) {
      throw new IllegalArgumentException("daemon " + daemon + ": empty command");
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/bin/sh",
                "-c",
                PRELUDE + "graft_lab_daemon_start \"$@\" && cat \"$(_gl_pidfile \"$1\")\"",
                "graft-lab-daemon",
                daemon));
    cmd.addAll(List.of(argv));
    ExecResult r = host.exec(TIMEOUT, cmd.toArray(String[]::new));
    String out = r.orThrow("host " + host.name() + ": start daemon " + daemon).strip();
    if (!out.matches("[0-9]+")) {
      throw new LabException("host " + host.name() + ": daemon " + daemon + " gave no PID: " + out);
    }
    return Long.parseLong(out);
  }

  static boolean stop(LabHost host, String daemon) {
    Names.command("daemon", daemon);
    return host.exec(
            TIMEOUT,
            "/bin/sh",
            "-c",
            PRELUDE + "graft_lab_daemon_stop \"$1\"",
            "graft-lab-daemon",
            daemon)
        .ok();
  }

  static boolean running(LabHost host, String daemon) {
    Names.command("daemon", daemon);
    return host.exec(
            TIMEOUT,
            "/bin/sh",
            "-c",
            PRELUDE + "graft_lab_daemon_running \"$1\"",
            "graft-lab-daemon",
            daemon)
        .ok();
  }
}
