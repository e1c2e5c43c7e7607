package dev.graft.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One expansion under faults: a fresh {@link ChaosLab}, the expansion submitted through REST, each
 * fault on its own thread, and the round's thread acting as the operator: it polls the operation
 * every 500 ms and, when a step parks in needs-attention, counts an intervention and retries it
 * through the API so that the round goes on. Afterwards it reads the audit trail (wall time,
 * takeovers), the hosts' mutation logs (duplicates) and the cluster itself (Nodes, etcd).
 */
final class ChaosRound {
  private static final Set<String> TERMINAL = Set.of("done", "failed", "aborted");
  private final ChaosHarness harness;
  private final String name;
  private final long seed;
  private final List<Fault> faults;
  private final Duration deadline;

  ChaosRound(ChaosHarness harness, String name, long seed, List<Fault> faults, Duration deadline) {
    this.harness = harness;
    this.name = name;
    this.seed = seed;
    this.faults = faults;
    this.deadline = deadline;
  }

  RoundResult run() throws Exception {
    try (ChaosLab lab = ChaosLab.up(harness.work, name)) {
      RoundContext ctx = new RoundContext(harness, lab, seed);
      harness.workers.ensureOne();
      for (Fault f : faults) {
        f.arm(ctx);
      }
      long submitted = System.currentTimeMillis();
      String id = harness.submit(lab, name);
      ctx.submitted(id, submitted);
      List<Thread> threads = new ArrayList<>();
      List<String> problems = new ArrayList<>();
      for (Fault f : faults) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    f.run(ctx);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } catch (Exception | AssertionError e) {
                    synchronized (problems) {
                      problems.add(f.kind() + " fault failed: " + e);
                    }
                  }
                },
                "chaos-" + f.kind());
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      List<String> interventions = new ArrayList<>();
      String state;
      try {
        state = operate(id, interventions);
      } finally {
        for (Thread t : threads) {
          t.interrupt();
        }
        for (Thread t : threads) {
          t.join(15_000);
        }
        for (Fault f : faults) {
          f.heal(ctx);
        }
      }
      for (Fault f : faults) {
        if (ctx.injections().stream().noneMatch(i -> i.kind().startsWith(f.kind()))) {
          ctx.record(f.kind() + " (not injected: the expansion ended first)", "");
        }
      }
      if (!"done".equals(state)) {
        problems.add(
            "the expansion ended "
                + state
                + ": "
                + harness.operation(id)
                + harness.workers.output());
      }
      JsonNode trail = harness.history(id);
      String dump = System.getProperty("graft.chaos.trails");
      if (dump != null) {
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(dump));
        java.nio.file.Files.writeString(
            java.nio.file.Path.of(dump, name + ".json"), trail.toPrettyString());
      }
      long wall = wall(trail, id, submitted);
      List<Takeovers.Takeover> takeovers =
          Takeovers.of(ctx.kills(), Takeovers.starts(trail, ctx.kills()));
      List<String> dupDetail = new ArrayList<>();
      int dups = duplicates(lab, dupDetail);
      if ("done".equals(state)) {
        problems.addAll(lab.problems());
      }
      return new RoundResult(
          name,
          submitted,
          lab.controlPlanes(),
          faults.stream().map(Fault::kind).toList(),
          state,
          wall,
          interventions,
          dups,
          dupDetail,
          takeovers,
          ctx.kills().size(),
          ctx.injections(),
          problems);
    }
  }

  /** Polls until the operation ends, retrying what parks; returns the final state. */
  private String operate(String id, List<String> interventions) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    while (System.nanoTime() < end) {
      JsonNode op = harness.operation(id);
      String state = op == null ? "unreadable" : op.path("state").asText();
      if (TERMINAL.contains(state)) {
        return state;
      }
      if ("needs-attention".equals(state)) {
        String node = null;
        for (JsonNode c : op.path("children")) {
          if (c.path("needsAttention").asBoolean()) {
            node = c.path("node").asText(null);
          }
        }
        HttpResponse<String> r = harness.retry(id, node);
        if (r.statusCode() != 200 && r.statusCode() != 409) {
          // A refused retry must not look like "nothing to do": the round would wait in vain.
          throw new IllegalStateException(
              "retry of " + id + " answered " + r.statusCode() + ": " + r.body());
        }
        if (r.statusCode() == 200) {
          String what = (node == null ? "operation" : node) + ": " + op.path("message").asText();
          interventions.add(what);
          System.out.println("chaos: intervention (retry) on " + what);
        }
      }
      Thread.sleep(500);
    }
    return "timed-out after " + deadline.toSeconds() + " s";
  }

  /** Submission to the operation's end, as the audit trail has them. */
  private static long wall(JsonNode trail, String id, long submittedFallback) {
    long submitted = submittedFallback;
    long ended = -1;
    for (JsonNode e : trail.path("entries")) {
      String kind = e.path("kind").asText();
      if ("submitted".equals(kind)) {
        submitted = e.path("atMillis").asLong();
      } else if ("ended".equals(kind) && id.equals(e.path("workflowId").asText())) {
        ended = e.path("atMillis").asLong();
      }
    }
    return ended < 0 ? -1 : ended - submitted;
  }

  /**
   * Repeats of mutating commands, summed over hosts: for each invocation, (times run - 1), less the
   * repeats a fault caused on purpose (a command it made fail half-way must run again).
   */
  private int duplicates(ChaosLab lab, List<String> detail) {
    int total = 0;
    for (ChaosLab.Repeat r : lab.repeats()) {
      int excused = 0;
      for (Fault f : faults) {
        excused += f.excusedRepeats(r.host(), r.invocation());
      }
      int dup = Math.max(0, r.times() - 1 - excused);
      if (dup > 0) {
        total += dup;
        detail.add(r.host() + " ran " + r.times() + "x: " + r.invocation());
      }
    }
    return total;
  }
}
