package dev.graft.activities.ssh;

/**
 * Base of Graft's typed SSH failures. Each subclass fixes a failure {@link #type() type} (the
 * Temporal ApplicationFailure type) and whether retrying can help, so {@link SshFailures} maps them
 * without guessing from message text. Messages name the host and what to do; they never contain key
 * material or command text.
 */
public abstract class SshOperationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String type;
  private final boolean retryable;

  protected SshOperationException(String type, boolean retryable, String message, Throwable cause) {
    super(message, cause);
    this.type = type;
    this.retryable = retryable;
  }

  /** The ApplicationFailure type, e.g. {@code SshHostKeyMismatch}. */
  public final String type() {
    return type;
  }

  /** Whether a later attempt can succeed without a person changing something. */
  public final boolean retryable() {
    return retryable;
  }
}
