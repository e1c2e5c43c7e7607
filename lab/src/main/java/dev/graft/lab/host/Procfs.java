package dev.graft.lab.host;

import dev.graft.lab.PidRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Process queries over /proc, and signalling that only ever targets verified processes. */
public final class Procfs {
  private Procfs() {}

  /** Every process for which {@code test} holds (the caller's own PID excluded). */
  public static List<PidRef> processes(Predicate<Long> test) {
    List<PidRef> out = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : ds) {
        long pid;
        try {
          pid = Long.parseLong(p.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == self || !test.test(pid)) {
          continue;
        }
        PidRef ref = PidRef.of(pid);
        if (ref != null) {
          out.add(ref);
        }
      }
    } catch (IOException e) {
      // /proc is always there on Linux; an error here means no processes to report.
    }
    return out;
  }

  /** Processes in the network namespace {@code netns} ("net:[...]"). */
  public static List<PidRef> inNetns(String netns) {
    return processes(pid -> netns.equals(PidRef.nsOf(pid, "net")));
  }

  /** Processes whose environment holds GRAFT_LAB_ID={@code labId}: started by that lab. */
  public static List<PidRef> withLabId(String labId) {
    byte[] needle = ("GRAFT_LAB_ID=" + labId + "\0").getBytes(StandardCharsets.UTF_8);
    return processes(pid -> environContains(pid, needle));
  }

  public static boolean environContains(long pid, byte[] needle) {
    try {
      byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
      outer:
      for (int i = 0; i + needle.length <= env.length; i++) {
        if (i > 0 && env[i - 1] != 0) {
          continue;
        }
        for (int j = 0; j < needle.length; j++) {
          if (env[i + j] != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * TERM to each process that is still the recorded one, then KILL to the survivors after {@code
   * graceMs}. Returns how many were signalled.
   */
  public static int terminate(List<PidRef> procs, long graceMs) {
    int n = 0;
    for (PidRef p : procs) {
      if (p.alive()) {
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
        n++;
      }
    }
    long deadline = System.currentTimeMillis() + graceMs;
    while (System.currentTimeMillis() < deadline && procs.stream().anyMatch(PidRef::alive)) {
      sleep(20);
    }
    for (PidRef p : procs) {
      if (p.alive()) {
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    deadline = System.currentTimeMillis() + 2000;
    while (System.currentTimeMillis() < deadline && procs.stream().anyMatch(PidRef::alive)) {
      sleep(20);
    }
    return n;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Asks process {@code pid}, if it still runs, to stop (SIGTERM), or with {@code force} kills it
   * (SIGKILL); does not wait.
   */
  static void stop(long pid, boolean force) {
    ProcessHandle.of(pid)
        .ifPresent(
            h -> {
              if (force) {
                h.destroyForcibly();
              } else {
                h.destroy();
              }
            });
  }
}
