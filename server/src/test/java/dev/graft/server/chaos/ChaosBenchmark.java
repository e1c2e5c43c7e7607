package dev.graft.server.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The chaos benchmark (issue 14): expansions of a fresh 4-host lab cluster (2 control planes + 1
 * worker joining a 1-node cluster), first a few undisturbed (the baseline), then each one with a
 * SIGKILL of the only worker at a random moment and a new worker 2 s later; every 5th round also
 * flaps a joining host's link for 3 s, every 5th (offset) also has an API error burst (a hook until
 * the API stand-in has that fault). Prints completions, operator interventions, duplicate mutating
 * commands, takeover times and the extra wall time per fault. Gated: it runs only with {@code
 * -Dgraft.bench=true}:
 *
 * <pre>
 * mvn -B -pl server -am test -Dtest=ChaosBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dgraft.bench=true [-Dgraft.chaos.rounds=50] [-Dgraft.chaos.baseline=3] [-Dgraft.chaos.seed=S]
 * </pre>
 *
 * The figures are in
 * server/target/surefire-reports/dev.graft.server.chaos.ChaosBenchmark-output.txt.
 */
@EnabledIfSystemProperty(named = "graft.bench", matches = "true")
class ChaosBenchmark {
  @Test
  void expansionsUnderWorkerKillsLinkFlapsAndApiBursts() throws Exception {
    int rounds = Integer.getInteger("graft.chaos.rounds", 50);
    int baselineRounds = Integer.getInteger("graft.chaos.baseline", 3);
    long seed = Long.getLong("graft.chaos.seed", System.currentTimeMillis() % 100_000);
    Duration deadline = Duration.ofMinutes(8);
    long t0 = System.nanoTime();
    List<RoundResult> baseline = new ArrayList<>();
    List<RoundResult> results = new ArrayList<>();
    try (ChaosHarness harness = ChaosHarness.up()) {
      for (int i = 1; i <= baselineRounds; i++) {
        RoundResult r = round(harness, "base-" + seed + "-" + i, seed, List.of(), deadline);
        System.out.printf(
            "chaos: baseline %d/%d %s in %.1f s%n",
            i, baselineRounds, r.state(), r.wallMillis() / 1e3);
        baseline.add(r);
      }
      Long base = new ChaosReport(baseline, List.of()).baselineMillis();
      long expected = base == null ? 30_000 : base;
      Random random = new Random(seed);
      for (int i = 1; i <= rounds; i++) {
        List<Fault> faults = new ArrayList<>();
        faults.add(new WorkerKill(Trigger.at(moment(random, expected))));
        if (i % 5 == 2) {
          faults.add(new LinkFlap(Trigger.at(moment(random, expected)), Duration.ofSeconds(3)));
        }
        if (i % 5 == 4) {
          faults.add(
              new ApiErrorBurst(Trigger.at(moment(random, expected)), 0.3, Duration.ofSeconds(5)));
        }
        RoundResult r = round(harness, "r-" + seed + "-" + i, seed + i, faults, deadline);
        System.out.printf(
            "chaos: round %d/%d %s in %.1f s, %d interventions, %d duplicates, takeovers %s%n",
            i,
            rounds,
            r.state(),
            r.wallMillis() / 1e3,
            r.interventions().size(),
            r.duplicates(),
            r.takeovers().stream()
                .map(t -> t.activity() + " " + ChaosReport.sec(t.millis()))
                .toList());
        results.add(r);
      }
    }
    new ChaosReport(baseline, results)
        .print(
            System.out,
            String.format(
                "mvn -B -pl server -am test -Dtest=ChaosBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dgraft.bench=true"
                    + " -Dgraft.chaos.rounds=%d -Dgraft.chaos.baseline=%d -Dgraft.chaos.seed=%d   (this run: %.0f s)",
                rounds, baselineRounds, seed, (System.nanoTime() - t0) / 1e9));
  }

  /**
   * A round that could not run (the lab did not come up, …) is a failed round, not the end of the
   * run.
   */
  private static RoundResult round(
      ChaosHarness harness, String name, long seed, List<Fault> faults, Duration deadline) {
    try {
      return new ChaosRound(harness, name, seed, faults, deadline).run();
    } catch (Exception | AssertionError e) {
      e.printStackTrace(System.out);
      return new RoundResult(
          name,
          System.currentTimeMillis(),
          List.of(),
          faults.stream().map(Fault::kind).toList(),
          "error: " + e,
          -1,
          List.of(),
          0,
          List.of(),
          List.of(),
          0,
          List.of(),
          List.of(String.valueOf(e)));
    }
  }

  /** A random moment of an expansion expected to take {@code expectedMillis}: 3 % to 95 % of it. */
  private static Duration moment(Random random, long expectedMillis) {
    return Duration.ofMillis((long) (expectedMillis * (0.03 + 0.92 * random.nextDouble())));
  }
}
