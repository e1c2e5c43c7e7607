package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;

/**
 * The private key at the target's key reference cannot be read or parsed; the message names the
 * path, never the content.
 */
public class SshKeyUnreadableException extends SshOperationException {
  private static final long serialVersionUID = 1L;

  public SshKeyUnreadableException(String message) {
    super(FailureTypes.SSH_KEY_UNREADABLE, false, message, null);
  }

  public SshKeyUnreadableException(String message, Throwable cause) {
    super(FailureTypes.SSH_KEY_UNREADABLE, false, message, cause);
  }
}
