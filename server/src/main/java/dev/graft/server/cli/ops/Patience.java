package dev.graft.server.cli.ops;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a command that follows an operation rides out a server that does not answer for a while: a
 * transient failure (no connection, a timeout, 502/503/504/429) is retried with a backoff of 0.5 s
 * doubling up to 10 s, for as long as the server has been unreachable for less than the limit;
 * anything else (400, 401, 403, 404, 409, 422, 500) ends the command at once. The operation itself
 * lives in Temporal, so a restarting {@code graft server} is no reason for a watching operator's
 * terminal, or a script waiting on the exit code, to give up.
 *
 * <p>The clock and the sleep are injected so that the deadline can be tested without waiting.
 */
final class Patience {
  static final Duration DEFAULT_LIMIT = Duration.ofMinutes(5);
  static final long FIRST_BACKOFF_MILLIS = 500;
  static final long MAX_BACKOFF_MILLIS = 10_000;

  /**
   * While the outage lasts, a reminder on stderr this often, so a log shows it is still waiting.
   */
  static final long REMIND_NANOS = Duration.ofSeconds(30).toNanos();

  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  interface Call<T> {
    T call() throws ApiClient.ApiError;
  }

  private final Duration limit;
  private final PrintStream err;
  private final String command;
  private final LongSupplier nanos;
  private final Sleeper sleeper;

  Patience(Duration limit, PrintStream err, String command) {
    this(limit, err, command, System::nanoTime, Thread::sleep);
  }

  Patience(Duration limit, PrintStream err, String command, LongSupplier nanos, Sleeper sleeper) {
    if (limit.isNegative()) {
      throw new IllegalArgumentException("the unreachable timeout must not be negative: " + limit);
    }
    this.limit = limit;
    this.err = err;
    this.command = command;
    this.nanos = nanos;
    this.sleeper = sleeper;
  }

  /**
   * Runs the call until it answers, fails for good, or the server has been unreachable for the
   * limit; then the last failure is thrown with a sentence saying how long it was tried.
   */
  <T> T call(Call<T> call) throws ApiClient.ApiError, InterruptedException {
    long since = 0;
    long lastSaid = 0;
    long backoff = FIRST_BACKOFF_MILLIS;
    boolean failing = false;
    while (true) {
      try {
        T answer = call.call();
        if (failing) {
          err.println(
              "graft "
                  + command
                  + ": server reachable again after "
                  + text(Duration.ofNanos(nanos.getAsLong() - since)));
          err.flush();
        }
        return answer;
      } catch (ApiClient.ApiError e) {
        if (!e.retryable) {
          throw e;
        }
        long now = nanos.getAsLong();
        if (!failing) {
          failing = true;
          since = now;
          lastSaid = now;
          if (limit.isZero()) {
            throw e;
          }
          err.println(
              "graft "
                  + command
                  + ": server unreachable, retrying for up to "
                  + text(limit)
                  + " ("
                  + e.getMessage()
                  + ")");
          err.flush();
        } else if (now - since >= limit.toNanos()) {
          throw new ApiClient.ApiError(
              e.status,
              "server unreachable for "
                  + text(limit)
                  + ", giving up ("
                  + e.getMessage()
                  + "); the operation goes on in Temporal:"
                  + " run the command again to follow it",
              e.body,
              false);
        } else if (now - lastSaid >= REMIND_NANOS) {
          lastSaid = now;
          err.println(
              "graft "
                  + command
                  + ": server still unreachable after "
                  + text(Duration.ofNanos(now - since))
                  + ", retrying ("
                  + e.getMessage()
                  + ")");
          err.flush();
        }
        long left = Math.max(1, (limit.toNanos() - (now - since)) / 1_000_000);
        sleeper.sleep(Math.min(backoff, left));
        backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
      }
    }
  }

  /**
   * Parses {@code --unreachable-timeout}: a number with a unit ({@code 90s}, {@code 5m}, {@code
   * 1h}, {@code 1500ms}) or bare seconds; 0 turns the retries off.
   */
  static Duration parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    Matcher m = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h)?").matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("\"" + s + "\" is not a duration (e.g. 90s, 5m, 1h, 0)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m", "min" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }

  static String text(Duration d) {
    long s = d.toSeconds();
    if (s >= 60 && s % 60 == 0) {
      return s / 60 + "m";
    }
    if (s >= 60) {
      return s / 60 + "m" + s % 60 + "s";
    }
    return s > 0 || d.isZero() ? s + "s" : d.toMillis() + "ms";
  }
}
