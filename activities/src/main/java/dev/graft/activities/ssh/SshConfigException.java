package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;

/**
 * The target's SSH settings cannot work as given (no known_hosts and no pinned key, unreadable
 * known_hosts, bad pinned key).
 */
public class SshConfigException extends SshOperationException {
  private static final long serialVersionUID = 1L;

  public SshConfigException(String message) {
    super(FailureTypes.SSH_CONFIG_INVALID, false, message, null);
  }

  public SshConfigException(String message, Throwable cause) {
    super(FailureTypes.SSH_CONFIG_INVALID, false, message, cause);
  }
}
