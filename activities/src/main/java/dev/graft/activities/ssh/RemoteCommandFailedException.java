package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;

/**
 * A remote command that had to succeed (a file write or read) exited non-zero. Carries the result
 * so the caller can show the output's tail. Retryable by default: most such failures (a held lock,
 * a full disk being cleaned) are worth another attempt, and Temporal bounds the attempts.
 */
public class RemoteCommandFailedException extends SshOperationException {
  private static final long serialVersionUID = 1L;
  private static final int SHOWN = 2048;

  private final transient CommandResult result;

  public RemoteCommandFailedException(String what, SshTarget target, CommandResult result) {
    super(
        FailureTypes.REMOTE_COMMAND_FAILED,
        true,
        what + " on " + target.display() + " failed with " + result.status() + tail(result),
        null);
    this.result = result;
  }

  private static String tail(CommandResult result) {
    String err = result.stderrTail().strip();
    if (err.isEmpty()) {
      return "";
    }
    return ": " + (err.length() > SHOWN ? "..." + err.substring(err.length() - SHOWN) : err);
  }

  public CommandResult result() {
    return result;
  }
}
