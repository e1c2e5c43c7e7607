package dev.graft.activities.etcd;

/** etcd could not be read (unreachable, timed out, refused). Retryable by whoever called. */
public class EtcdReadException extends Exception {
  private static final long serialVersionUID = 1L;

  public EtcdReadException(String message, Throwable cause) {
    super(message, cause);
  }
}
