package dev.graft.activities.ssh;

/** Transient transport failure (refused, timed out, reset, broken session); Temporal retries it with backoff. */
public class SshUnreachableException extends SshOperationException {
  private static final long serialVersionUID = 1L;
  public static final String TYPE = "SshUnreachable";

  public SshUnreachableException(String message) {
    super(TYPE, true, message, null);
  }

  public SshUnreachableException(String message, Throwable cause) {
    super(TYPE, true, message, cause);
  }
}
