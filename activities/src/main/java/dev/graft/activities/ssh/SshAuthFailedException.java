package dev.graft.activities.ssh;

/** The server refused every key we offered: the public key is not authorized for that user, or the user is wrong. */
public class SshAuthFailedException extends SshOperationException {
  private static final long serialVersionUID = 1L;
  public static final String TYPE = "SshAuthFailed";

  public SshAuthFailedException(String message) {
    super(TYPE, false, message, null);
  }

  public SshAuthFailedException(String message, Throwable cause) {
    super(TYPE, false, message, cause);
  }
}
