package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;

/**
 * A remote command ran past its deadline. The channel was closed and the remote process group
 * signalled (TERM, then KILL); {@link #partial()} holds the output it produced so far, for the
 * operator.
 */
public class SshCommandTimeoutException extends SshOperationException {
  private static final long serialVersionUID = 1L;

  private final transient CommandResult partial;

  public SshCommandTimeoutException(String message, CommandResult partial) {
    super(FailureTypes.SSH_COMMAND_TIMEOUT, true, message, null);
    this.partial = partial;
  }

  public CommandResult partial() {
    return partial;
  }
}
