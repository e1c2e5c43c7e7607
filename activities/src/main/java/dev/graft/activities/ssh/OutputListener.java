package dev.graft.activities.ssh;

/**
 * Receives remote output line by line while a command runs, e.g. to heartbeat progress to Temporal
 * or show live output. Called from MINA's I/O threads: return quickly. An exception thrown here
 * (such as Temporal's cancellation on heartbeat) stops the command and is rethrown by {@link
 * RemoteShell#run}.
 */
@FunctionalInterface
public interface OutputListener {
  /** One line without its line terminator; very long lines arrive in pieces of at most 8 KiB. */
  void onLine(OutputKind kind, String line);
}
