package dev.graft.activities.etcd;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.step.StepFailureDetails;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every jetcd call goes through {@link #call}: bounded by the timeout, and its failures mapped to
 * typed Temporal failures. etcd's transient refusals ("unhealthy cluster" right after a change, a
 * promote before the learner is in sync) are retryable types of their own, so a step's history says
 * which refusal it waited out.
 */
final class EtcdFailures {
  /** How long a learner's catch-up waits between two looks at its raft index. */
  private static final long CATCH_UP_POLL_MILLIS = 500;

  private EtcdFailures() {}

  /**
   * Between two looks at a learner's catch-up (client files or through a node): heartbeats what was
   * last seen, fails once the budget has ended, else waits one poll.
   */
  static void nextCatchUpPoll(String learner, String last, long stopAt) {
    Activity.getExecutionContext().heartbeat(last);
    if (System.currentTimeMillis() >= stopAt) {
      throw failure(
          "learner " + learner + " did not catch up before the budget ended; last seen: " + last,
          FailureTypes.ETCD_LEARNER_NOT_CAUGHT_UP,
          true,
          last);
    }
    try {
      Thread.sleep(CATCH_UP_POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("interrupted while waiting", FailureTypes.ETCD_UNAVAILABLE, false, "");
    }
  }

  static <T> T call(CompletableFuture<T> future, String what, long timeoutMillis) {
    try {
      return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw failure(
          "etcd " + what + ": no answer within " + timeoutMillis + " ms",
          FailureTypes.ETCD_UNAVAILABLE,
          false,
          "");
    } catch (ExecutionException e) {
      throw map(what, e.getCause() == null ? e : e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("etcd " + what + ": interrupted", FailureTypes.ETCD_UNAVAILABLE, false, "");
    }
  }

  /** The message of what etcd answered, through jetcd's and gRPC's wrappers. */
  static String message(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null && b.length() < 600; c = c.getCause()) {
      if (c.getMessage() != null && b.indexOf(c.getMessage()) < 0) {
        b.append(b.length() == 0 ? "" : ": ").append(c.getMessage());
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return b.length() == 0 ? t.getClass().getSimpleName() : b.toString();
  }

  /** Every error of a call is retryable; its type says what etcd (or the transport) said. */
  static ApplicationFailure map(String what, Throwable cause) {
    String m = message(cause);
    return failure("etcd " + what + ": " + m, type(m), false, "");
  }

  /** The failure type of an error message of etcd, jetcd or gRPC (pure). */
  static String type(String message) {
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("in sync with leader")) {
      return FailureTypes.ETCD_LEARNER_NOT_IN_SYNC;
    } else if (lower.contains("unhealthy cluster")
        || lower.contains("too many learner")
        || lower.contains("not enough started members")) {
      return FailureTypes.ETCD_UNHEALTHY_CLUSTER;
    } else if (lower.contains("member not found")) {
      return FailureTypes.ETCD_MEMBER_MISSING;
    } else if (lower.contains("unavailable")
        || lower.contains("deadline")
        || lower.contains("connection")
        || lower.contains("io exception")
        || lower.contains("refused")
        || lower.contains("channel closed")
        || lower.contains("closed channel")
        || lower.contains("timed out")
        || lower.contains("no leader")
        || lower.contains("leader changed")) {
      return FailureTypes.ETCD_UNAVAILABLE;
    } else {
      return FailureTypes.ETCD_ERROR;
    }
  }

  static ApplicationFailure failure(
      String message, String type, boolean nonRetryable, String outputTail) {
    StepFailureDetails details = new StepFailureDetails(outputTail, hint(type), attempt());
    return nonRetryable
        ? ApplicationFailure.newNonRetryableFailure(message, type, details)
        : ApplicationFailure.newFailure(message, type, details);
  }

  private static String hint(String type) {
    return switch (type) {
      case FailureTypes.QUORUM_GATE_REFUSED ->
          "bring the named member back to health (or remove it), then retry the gate";
      case FailureTypes.ETCD_UNAVAILABLE ->
          "check that the etcd endpoints are up and reachable from the worker, then retry";
      case FailureTypes.ETCD_UNHEALTHY_CLUSTER ->
          "etcd refuses changes for a few seconds after another change; retry";
      case FailureTypes.ETCD_LEARNER_NOT_IN_SYNC -> "the learner has not caught up yet; retry";
      case FailureTypes.ETCD_LEARNER_NOT_CAUGHT_UP ->
          "look at the new member's log on its host (/var/log/graft-lab/etcd.service.log in the lab, journalctl -u etcd elsewhere)";
      default -> "";
    };
  }
}
