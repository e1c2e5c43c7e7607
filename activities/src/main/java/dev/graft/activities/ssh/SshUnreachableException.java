package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;

/**
 * Transient transport failure (refused, timed out, reset, broken session); Temporal retries it with
 * backoff.
 */
public class SshUnreachableException extends SshOperationException {
  private static final long serialVersionUID = 1L;

  public SshUnreachableException(String message) {
    super(FailureTypes.SSH_UNREACHABLE, true, message, null);
  }

  public SshUnreachableException(String message, Throwable cause) {
    super(FailureTypes.SSH_UNREACHABLE, true, message, cause);
  }
}
