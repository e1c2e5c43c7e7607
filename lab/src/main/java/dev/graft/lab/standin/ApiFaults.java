package dev.graft.lab.standin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Faults of the API stand-in, as a busy or restarting kube-apiserver (or a load balancer in front
 * of it) shows them: for a while, a fraction of the requests, optionally only those of one method
 * and path prefix, is answered {@code 500} or has its connection closed without an answer. The
 * first fault whose match and draw both hit decides a request; the others are not drawn for it.
 * With a seed the draws are reproducible, so a test can say exactly which requests fail.
 */
public final class ApiFaults {
  /** What a hit request gets. */
  public enum Kind {
    /** HTTP 500 with a Status body, reason InternalError, as an apiserver that failed a request. */
    ERROR_500,
    /** The TLS connection is closed before any byte of the answer: the client sees an I/O error. */
    CLOSE
  }

  /**
   * One fault: {@code fraction} of the matching requests (0 < fraction ≤ 1) for {@code duration}
   * from when it is injected (null: until cleared). {@code method} null matches every method;
   * {@code pathPrefix} null or "" every path (e.g. {@code /apis/certificates.k8s.io} for CSRs,
   * {@code /api/v1/nodes} for Nodes). {@code seed} null draws from an unseeded generator.
   */
  public record Fault(
      Kind kind, double fraction, String method, String pathPrefix, Duration duration, Long seed) {
    public Fault {
      if (kind == null) {
        throw new IllegalArgumentException("a fault needs a kind");
      }
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException(
            "the fraction of requests must lie in (0, 1], not " + fraction);
      }
      if (duration != null && (duration.isNegative() || duration.isZero())) {
        throw new IllegalArgumentException("a fault's duration must be positive: " + duration);
      }
      method = method == null || method.isBlank() ? null : method.toUpperCase(Locale.ROOT);
      pathPrefix = pathPrefix == null ? "" : pathPrefix;
    }

    /** Every request for {@code duration}. */
    public static Fault all(Kind kind, Duration duration) {
      return new Fault(kind, 1.0, null, null, duration, null);
    }

    public Fault onlyFor(String newMethod, String newPathPrefix) {
      return new Fault(kind, fraction, newMethod, newPathPrefix, duration, seed);
    }

    public Fault withSeed(long newSeed) {
      return new Fault(kind, fraction, method, pathPrefix, duration, newSeed);
    }
  }

  private record Active(Fault fault, long untilNanos, Random random, AtomicLong hits) {}

  private final LongSupplier nanos;
  private final List<Active> active = new ArrayList<>();
  private final AtomicLong total = new AtomicLong();

  ApiFaults() {
    this(System::nanoTime);
  }

  ApiFaults(LongSupplier nanos) {
    this.nanos = nanos;
  }

  /** Starts a fault; it ends after its duration, or at {@link #clear()}. */
  public synchronized void inject(Fault f) {
    long until = f.duration() == null ? Long.MAX_VALUE : nanos.getAsLong() + f.duration().toNanos();
    active.add(
        new Active(
            f, until, f.seed() == null ? new Random() : new Random(f.seed()), new AtomicLong()));
  }

  /** Ends every fault at once. */
  public synchronized void clear() {
    active.clear();
  }

  /** Whether a fault is still in force. */
  public synchronized boolean active() {
    expire();
    return !active.isEmpty();
  }

  /** How many requests the faults hit since the stand-in started (cleared ones included). */
  public long hits() {
    return total.get();
  }

  /** The fault for this request, if one hits it; null lets it through. */
  synchronized Kind decide(String method, String path) {
    expire();
    for (Active a : active) {
      Fault f = a.fault();
      if (f.method() != null && !f.method().equalsIgnoreCase(method)) {
        continue;
      }
      if (!path.startsWith(f.pathPrefix())) {
        continue;
      }
      if (f.fraction() >= 1 || a.random().nextDouble() < f.fraction()) {
        a.hits().incrementAndGet();
        total.incrementAndGet();
        return f.kind();
      }
    }
    return null;
  }

  private void expire() {
    long now = nanos.getAsLong();
    active.removeIf(a -> now - a.untilNanos() >= 0 && a.untilNanos() != Long.MAX_VALUE);
  }
}
