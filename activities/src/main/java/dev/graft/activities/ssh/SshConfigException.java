package dev.graft.activities.ssh;

/** The target's SSH settings cannot work as given (no known_hosts and no pinned key, unreadable known_hosts, bad pinned key). */
public class SshConfigException extends SshOperationException {
  private static final long serialVersionUID = 1L;
  public static final String TYPE = "SshConfigInvalid";

  public SshConfigException(String message) {
    super(TYPE, false, message, null);
  }

  public SshConfigException(String message, Throwable cause) {
    super(TYPE, false, message, cause);
  }
}
