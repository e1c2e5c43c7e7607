package dev.graft.activities.ssh;

/** The private key at the target's key reference cannot be read or parsed; the message names the path, never the content. */
public class SshKeyUnreadableException extends SshOperationException {
  private static final long serialVersionUID = 1L;
  public static final String TYPE = "SshKeyUnreadable";

  public SshKeyUnreadableException(String message) {
    super(message, null);
  }

  public SshKeyUnreadableException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
