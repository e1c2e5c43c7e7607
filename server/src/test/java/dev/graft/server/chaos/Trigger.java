package dev.graft.server.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** When a fault strikes: waits (interruptibly) for its moment and says what the moment was. */
@FunctionalInterface
interface Trigger {
  String await(RoundContext ctx) throws InterruptedException;

  /** A fixed time after the submission. */
  static Trigger at(Duration offset) {
    return ctx -> {
      ctx.awaitOffset(offset);
      return String.format(Locale.ROOT, "at +%.1f s", offset.toMillis() / 1000.0);
    };
  }

  /**
   * As soon as the current worker runs a step (an activity whose type starts with one of the
   * prefixes) that this trigger has fired on fewer than {@code maxPerStep} times: a kill then
   * interrupts a step rather than landing between two, and a run of kills spreads over several
   * steps instead of killing one step's every retry.
   */
  static Trigger whenStepRuns(List<String> activityPrefixes, int maxPerStep) {
    Map<String, Integer> fired = new HashMap<>();
    return ctx -> {
      String[] hit = new String[1];
      ctx.awaitCondition(
          () -> {
            ChaosWorkers.Worker w = ctx.workers.current();
            if (w == null) {
              return false;
            }
            for (ChaosHarness.InFlight f : ctx.inFlight()) {
              String step = f.activity() + " in " + f.workflowId();
              if (w.ran(f.worker())
                  && activityPrefixes.stream().anyMatch(f.activity()::startsWith)
                  && !Takeovers.HOUSEKEEPING.contains(f.activity())
                  && fired.getOrDefault(step, 0) < maxPerStep) {
                fired.merge(step, 1, Integer::sum);
                hit[0] = step;
                return true;
              }
            }
            return false;
          });
      return "while " + hit[0] + " ran";
    };
  }
}
