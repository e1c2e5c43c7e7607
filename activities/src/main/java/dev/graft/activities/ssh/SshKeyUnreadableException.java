package dev.graft.activities.ssh;

/** The private key at the target's key reference cannot be read or parsed; the message names the path, never the content. */
public class SshKeyUnreadableException extends SshOperationException {
  private static final long serialVersionUID = 1L;
  public static final String TYPE = "SshKeyUnreadable";

  public SshKeyUnreadableException(String message) {
    super(TYPE, false, message, null);
  }

  public SshKeyUnreadableException(String message, Throwable cause) {
    super(TYPE, false, message, cause);
  }
}
