package dev.graft.activities.ssh;

import dev.graft.activities.common.InvalidValueException;
import dev.graft.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;

/**
 * The one place that turns SSH-side failures into Temporal {@link ApplicationFailure}s. Trust and
 * configuration problems (unknown or changed host key, unreadable key, refused key, bad input) are
 * non-retryable: retrying cannot fix them and could hammer a host that is being impersonated.
 * Transport problems (refused, timed out, reset, broken session) and command timeouts stay
 * retryable, so Temporal's retry policy owns the backoff.
 */
public final class SshFailures {
  /** Non-retryable failure types, for an activity's {@code setDoNotRetry}. */
  public static final List<String> NON_RETRYABLE_TYPES =
      List.of(
          FailureTypes.SSH_HOST_KEY_MISMATCH,
          FailureTypes.SSH_HOST_KEY_UNKNOWN,
          FailureTypes.SSH_KEY_UNREADABLE,
          FailureTypes.SSH_AUTH_FAILED,
          FailureTypes.SSH_CONFIG_INVALID,
          FailureTypes.INVALID_INPUT);

  private SshFailures() {}

  public static ApplicationFailure toApplicationFailure(Exception failure) {
    if (failure instanceof ApplicationFailure) {
      return (ApplicationFailure) failure;
    }
    if (failure instanceof SshOperationException) {
      SshOperationException typed = (SshOperationException) failure;
      Object[] details = details(typed);
      return typed.retryable()
          ? ApplicationFailure.newFailureWithCause(
              typed.getMessage(), typed.type(), typed.getCause(), details)
          : ApplicationFailure.newNonRetryableFailureWithCause(
              typed.getMessage(), typed.type(), typed.getCause(), details);
    }
    if (failure instanceof InvalidValueException) {
      return ApplicationFailure.newNonRetryableFailure(
          failure.getMessage(), FailureTypes.INVALID_INPUT);
    }
    if (failure instanceof IOException) { // refused, reset, timed out, no route, unknown host
      return ApplicationFailure.newFailureWithCause(
          "SSH transport failure: " + SshConnectionPool.describe(failure),
          FailureTypes.SSH_UNREACHABLE,
          failure);
    }
    if (failure instanceof UnresolvedAddressException) {
      return ApplicationFailure.newFailureWithCause(
          "SSH host name could not be resolved", FailureTypes.SSH_UNREACHABLE, failure);
    }
    // Unknown failures stay retryable: Temporal bounds the attempts, and a bug shows up in the last
    // failure.
    return ApplicationFailure.newFailureWithCause(
        SshConnectionPool.describe(failure), FailureTypes.SSH_ERROR, failure);
  }

  /**
   * Output tails for command failures, so the UI can show what the command said before it stopped.
   */
  private static Object[] details(SshOperationException failure) {
    CommandResult result = null;
    if (failure instanceof SshCommandTimeoutException) {
      result = ((SshCommandTimeoutException) failure).partial();
    } else if (failure instanceof RemoteCommandFailedException) {
      result = ((RemoteCommandFailedException) failure).result();
    }
    return result == null ? new Object[0] : new Object[] {result};
  }
}
