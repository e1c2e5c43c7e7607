package dev.graft.activities.ssh;

/**
 * Base of Graft's typed SSH failures. Each subclass fixes a failure {@link #type() type} (the Temporal
 * ApplicationFailure type) and whether retrying can help, so {@link SshFailures} maps them without guessing from
 * message text. Messages name the host and what to do; they never contain key material or command text.
 */
public abstract class SshOperationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected SshOperationException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The ApplicationFailure type, e.g. {@code SshHostKeyMismatch}. */
  public abstract String type();

  /** Whether a later attempt can succeed without a person changing something. */
  public abstract boolean retryable();
}
