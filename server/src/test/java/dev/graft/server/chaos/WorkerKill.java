package dev.graft.server.chaos;

import java.time.Duration;
import java.util.List;

/**
 * SIGKILL of the only worker, and a new worker started {@link #RESTART_AFTER} later: no shutdown
 * hook, no chance to finish or hand back a step. The activities in flight are read from Temporal
 * the instant before the kill, so the round can find when each ran again ({@link Takeovers}).
 * {@code times} kills strike one after the other, each at its trigger's next moment (with {@link
 * Trigger#whenRunning}, only once the new worker runs a step of its own).
 */
final class WorkerKill implements Fault {
  static final Duration RESTART_AFTER = Duration.ofSeconds(2);
  private final Trigger trigger;
  private final int times;

  WorkerKill(Trigger trigger, int times) {
    this.trigger = trigger;
    this.times = times;
  }

  WorkerKill(Trigger trigger) {
    this(trigger, 1);
  }

  @Override
  public String kind() {
    return "sigkill";
  }

  @Override
  public void run(RoundContext ctx) throws Exception {
    for (int i = 0; i < times; i++) {
      String moment = trigger.await(ctx);
      List<ChaosHarness.InFlight> interrupted = ctx.inFlight();
      long at = System.currentTimeMillis();
      ChaosWorkers.Worker killed = ctx.workers.kill();
      ctx.recordKill(
          new RoundContext.Kill(
              at,
              killed,
              interrupted.stream().filter(f -> killed != null && killed.ran(f.worker())).toList(),
              null));
      System.out.printf(
          "chaos: SIGKILL of worker %d %s%n", killed == null ? -1 : killed.pid(), moment);
      Thread.sleep(RESTART_AFTER.toMillis());
      ctx.replaced(killed, ctx.workers.replace());
    }
  }

  /** A kill interrupted before its replacement started: start one, or the expansion stalls. */
  @Override
  public void heal(RoundContext ctx) throws Exception {
    ctx.workers.ensureOne();
  }
}
