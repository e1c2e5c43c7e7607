package dev.graft.activities.ssh;

import java.time.Duration;

/**
 * Runs commands and moves small files on a managed host. Implementations bound every wait, never
 * log command text, and throw only {@link SshOperationException} subclasses for transport, trust
 * and timeout failures (a non-zero exit of {@link #run} is a result, not an exception).
 */
public interface RemoteShell {
  /** Runs one command; waits at most {@code command.timeout()}. */
  CommandResult run(SshTarget target, RemoteCommand command);

  /**
   * Writes a file atomically: the content goes to a temporary file in the same directory, gets its
   * mode, and is renamed over the target, so readers see the old or the new file, never a partial
   * one.
   *
   * @param mode permission bits, e.g. {@code 0644}
   */
  void putFile(SshTarget target, String path, byte[] content, int mode, Duration timeout);

  /** Reads a whole file of at most {@code maxBytes}; a missing or larger file is an error. */
  byte[] readFile(SshTarget target, String path, int maxBytes, Duration timeout);
}
