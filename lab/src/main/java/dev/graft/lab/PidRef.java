package dev.graft.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process the lab started, identified by PID and kernel start time (field 22 of /proc/PID/stat,
 * clock ticks since boot). A recycled PID has another start time, so {@link #alive()} is false for
 * it and the lab never signals it.
 */
public record PidRef(long pid, long startTime) {

  /** Reads the start time of a running process; null when it does not exist. */
  public static PidRef of(long pid) {
    Long st = startTimeOf(pid);
    return st == null ? null : new PidRef(pid, st);
  }

  /** True when the PID still names the very process that was recorded. */
  public boolean alive() {
    String[] f = statFields(pid);
    // A zombie has exited: its namespaces and mounts are already gone.
    return f != null
        && Long.parseLong(f[19]) == startTime
        && !f[0].equals("Z")
        && !f[0].equals("X");
  }

  /** The network namespace link of the process ("net:[4026532...]"), or null. */
  public String netns() {
    return nsOf(pid, "net");
  }

  public static String nsOf(long pid, String ns) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", ns)).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** The NUL-separated command line as one space-joined string, or "" if unreadable. */
  public String cmdline() {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }

  static Long startTimeOf(long pid) {
    String[] f = statFields(pid);
    return f == null ? null : Long.parseLong(f[19]);
  }

  /** Fields 3.. of /proc/PID/stat (state first), or null. */
  private static String[] statFields(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return f.length > 19 ? f : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
