package dev.graft.server.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * What a {@link Fault} sees of its round: the lab, the workers, the operation, the round's clock
 * and its seeded random source; and where it records what it did. Shared by the fault threads, so
 * the records are synchronized.
 */
final class RoundContext {
  final ChaosHarness harness;
  final ChaosLab lab;
  final ChaosWorkers workers;
  final Random random;
  private final List<Injection> injections = new ArrayList<>();
  private final List<Kill> kills = new ArrayList<>();
  private volatile String operationId;
  private volatile long submittedAtMillis;

  RoundContext(ChaosHarness harness, ChaosLab lab, long seed) {
    this.harness = harness;
    this.lab = lab;
    this.workers = harness.workers;
    this.random = new Random(seed);
  }

  /** One injected fault: its kind, when, and what (host, step) it hit. */
  record Injection(String kind, long atMillis, String detail) {}

  /**
   * One SIGKILL: the worker killed, the activities it was running the instant before (read from
   * Temporal), and the worker started after it (null if the round ended first).
   */
  record Kill(
      long atMillis,
      ChaosWorkers.Worker killed,
      List<ChaosHarness.InFlight> interrupted,
      ChaosWorkers.Worker replacement) {}

  void submitted(String id, long atMillis) {
    this.operationId = id;
    this.submittedAtMillis = atMillis;
  }

  String operationId() {
    return operationId;
  }

  long submittedAtMillis() {
    return submittedAtMillis;
  }

  synchronized void record(String kind, String detail) {
    injections.add(new Injection(kind, System.currentTimeMillis(), detail));
  }

  synchronized void recordKill(Kill kill) {
    kills.add(kill);
    injections.add(
        new Injection(
            "sigkill",
            kill.atMillis(),
            kill.interrupted().isEmpty()
                ? "no activity in flight"
                : kill.interrupted().stream()
                    .map(f -> f.activity() + " attempt " + f.attempt() + " in " + f.workflowId())
                    .toList()
                    .toString()));
  }

  /** Sets the replacement of the latest kill of {@code killed}. */
  synchronized void replaced(ChaosWorkers.Worker killed, ChaosWorkers.Worker replacement) {
    for (int i = kills.size() - 1; i >= 0; i--) {
      Kill k = kills.get(i);
      if (k.killed() == killed) {
        kills.set(i, new Kill(k.atMillis(), k.killed(), k.interrupted(), replacement));
        return;
      }
    }
  }

  synchronized List<Injection> injections() {
    return List.copyOf(injections);
  }

  synchronized List<Kill> kills() {
    return List.copyOf(kills);
  }

  /** Sleeps until {@code offset} after the submission. */
  void awaitOffset(Duration offset) throws InterruptedException {
    long wait = submittedAtMillis + offset.toMillis() - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }

  /** Polls {@code condition} every 100 ms until it holds; the round interrupts the wait. */
  void awaitCondition(BooleanSupplier condition) throws InterruptedException {
    while (!condition.getAsBoolean()) {
      Thread.sleep(100);
    }
  }

  /** The activities running right now, read from Temporal. */
  List<ChaosHarness.InFlight> inFlight() {
    return operationId == null ? List.of() : harness.inFlight(operationId);
  }
}
