package dev.graft.activities.common;

import io.temporal.activity.ActivityExecutionContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Heartbeats a running activity while its worker is alive, whatever the activity's own thread is
 * blocked on (a silent command, an API request that waits out its 15 s timeout): the heartbeat
 * timeout then measures only whether the worker lives, so it can be short (15 s) and a killed
 * worker's step moves on quickly, without a slow call being mistaken for a dead worker.
 */
public final class Liveness implements AutoCloseable {
  /** How often a heartbeat is sent (the worker forwards them to Temporal at most every 2 s). */
  public static final long EVERY_MS = 2_000;

  private static final ScheduledExecutorService TICKER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "graft-step-liveness");
            t.setDaemon(true);
            return t;
          });

  /** One ticker per running activity: a nested start only changes what the beats say. */
  private static final Map<ActivityExecutionContext, Liveness> ACTIVE = new ConcurrentHashMap<>();

  private final ActivityExecutionContext ctx;
  private final AtomicLong lastBeat;
  private final AtomicReference<Supplier<String>> details;
  private final Supplier<String> previous;
  private final ScheduledFuture<?> ticker; // null for a nested handle

  private Liveness(ActivityExecutionContext ctx, Supplier<String> details) {
    this.ctx = ctx;
    this.lastBeat = new AtomicLong(System.currentTimeMillis());
    this.details = new AtomicReference<>(details);
    this.previous = null;
    this.ticker =
        TICKER.scheduleAtFixedRate(
            () -> {
              if (System.currentTimeMillis() - lastBeat.get() >= EVERY_MS) {
                lastBeat.set(System.currentTimeMillis());
                try {
                  ctx.heartbeat(this.details.get().get());
                } catch (RuntimeException cancelledOrGone) {
                  // The activity's own thread learns of a cancellation from its next heartbeat or
                  // call.
                }
              }
            },
            EVERY_MS,
            EVERY_MS / 2,
            TimeUnit.MILLISECONDS);
  }

  /** A nested handle on {@code outer}: its beats say {@code details} until it is closed. */
  private Liveness(Liveness outer, Supplier<String> details) {
    this.ctx = outer.ctx;
    this.lastBeat = outer.lastBeat;
    this.details = outer.details;
    this.previous = outer.details.getAndSet(details);
    this.ticker = null;
  }

  /**
   * Starts heartbeating {@code details} (read at each beat) until {@link #close()}. Inside an
   * activity that already has one (the join's API calls around its SSH commands), the running
   * ticker is reused and says {@code details} until this handle is closed.
   */
  public static Liveness start(ActivityExecutionContext ctx, Supplier<String> details) {
    Liveness outer = ACTIVE.get(ctx);
    if (outer != null) {
      return new Liveness(outer, details);
    }
    Liveness l = new Liveness(ctx, details);
    ACTIVE.put(ctx, l);
    return l;
  }

  /** Tells the ticker that the activity heartbeat itself just now (no beat is due for a while). */
  public void beaten() {
    lastBeat.set(System.currentTimeMillis());
  }

  /** Whether a beat of the activity's own is due (the last one is older than {@link #EVERY_MS}). */
  public boolean due() {
    return System.currentTimeMillis() - lastBeat.get() >= EVERY_MS;
  }

  @Override
  public void close() {
    if (ticker == null) {
      details.set(previous);
      return;
    }
    ticker.cancel(false);
    ACTIVE.remove(ctx, this);
  }
}
