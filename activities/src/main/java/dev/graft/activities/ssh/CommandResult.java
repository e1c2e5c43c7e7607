package dev.graft.activities.ssh;

/**
 * What a finished remote command left behind: its exit code, the last bytes of each stream and how
 * much each produced in total. Small enough to put in an activity result or heartbeat.
 *
 * @param exitCode the exit status, or null when the process died from a signal
 * @param exitSignal the signal name (e.g. "KILL") when it died from one, else null
 * @param stdoutTail the last bytes of standard output, as UTF-8 text
 * @param stderrTail the last bytes of standard error, as UTF-8 text
 * @param stdoutBytes total bytes written to standard output
 * @param stderrBytes total bytes written to standard error
 * @param stdoutTruncated whether standard output was longer than the kept tail
 * @param stderrTruncated whether standard error was longer than the kept tail
 * @param elapsedMillis wall time from sending the command to its channel closing
 */
public record CommandResult(
    Integer exitCode,
    String exitSignal,
    String stdoutTail,
    String stderrTail,
    long stdoutBytes,
    long stderrBytes,
    boolean stdoutTruncated,
    boolean stderrTruncated,
    long elapsedMillis) {

  public boolean succeeded() {
    return exitCode != null && exitCode == 0;
  }

  /** "exit 2" or "signal KILL", for messages. */
  public String status() {
    return exitCode != null
        ? "exit " + exitCode
        : "signal " + (exitSignal == null ? "(none)" : exitSignal);
  }
}
