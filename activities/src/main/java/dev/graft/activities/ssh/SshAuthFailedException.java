package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;

/**
 * The server refused every key we offered: the public key is not authorized for that user, or the
 * user is wrong.
 */
public class SshAuthFailedException extends SshOperationException {
  private static final long serialVersionUID = 1L;

  public SshAuthFailedException(String message) {
    super(FailureTypes.SSH_AUTH_FAILED, false, message, null);
  }

  public SshAuthFailedException(String message, Throwable cause) {
    super(FailureTypes.SSH_AUTH_FAILED, false, message, cause);
  }
}
