package dev.graft.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class TakeoversTest {
  private static final String JOIN = "cluster/c/expand/r/node/n2";
  private final ChaosWorkers.Worker first = new ChaosWorkers.Worker(null, 101, 0, null);
  private final ChaosWorkers.Worker second = new ChaosWorkers.Worker(null, 202, 0, null);
  private final ChaosWorkers.Worker third = new ChaosWorkers.Worker(null, 303, 0, null);

  private static ChaosHarness.InFlight join(long startedAt, int attempt, ChaosWorkers.Worker w) {
    return new ChaosHarness.InFlight(
        JOIN, "Kubeadm.Join", attempt, "worker@" + w.pid() + "@vm", startedAt);
  }

  private static JsonNode trail(String json) throws Exception {
    return ChaosHarness.JSON.readTree(json);
  }

  @Test
  void aStepRunsAgainWhenTheTrailShowsItStartedAfterTheKillOnAnotherWorker() throws Exception {
    var kill = new RoundContext.Kill(10_000, first, List.of(join(9_000, 1, first)), second);
    JsonNode t =
        trail(
            "{\"entries\": [{\"kind\": \"activity\", \"workflowId\": \""
                + JOIN
                + "\","
                + " \"step\": \"Kubeadm.Join\", \"startedAtMillis\": 27000, \"identity\": \"worker@202@vm\"}]}");
    var takeover = Takeovers.of(List.of(kill), Takeovers.starts(t, List.of(kill))).get(0);
    assertEquals(17_000, takeover.millis());
    assertEquals("worker@202@vm", takeover.resumedBy());
  }

  @Test
  void aRetryThatWasItselfKilledIsSeenInTheNextKillsSnapshotNotInTheTrail() throws Exception {
    // The trail keeps only the attempt that ended the activity: the third, on the third worker.
    var k1 = new RoundContext.Kill(10_000, first, List.of(join(9_000, 1, first)), second);
    var k2 = new RoundContext.Kill(30_000, second, List.of(join(27_000, 2, second)), third);
    JsonNode t =
        trail(
            "{\"entries\": [{\"kind\": \"activity\", \"workflowId\": \""
                + JOIN
                + "\","
                + " \"step\": \"Kubeadm.Join\", \"startedAtMillis\": 47000, \"identity\": \"worker@303@vm\"}]}");
    var takeovers = Takeovers.of(List.of(k1, k2), Takeovers.starts(t, List.of(k1, k2)));
    assertEquals(
        List.of(17_000L, 17_000L), takeovers.stream().map(Takeovers.Takeover::millis).toList());
  }

  @Test
  void aStepThatNeverRanAgainHasNoTakeover() throws Exception {
    var kill = new RoundContext.Kill(10_000, first, List.of(join(9_000, 1, first)), second);
    JsonNode t =
        trail(
            "{\"entries\": [{\"kind\": \"activity\", \"workflowId\": \""
                + JOIN
                + "\","
                + " \"step\": \"Kubeadm.Join\", \"startedAtMillis\": 9000, \"identity\": \"worker@101@vm\"}]}");
    assertNull(Takeovers.of(List.of(kill), Takeovers.starts(t, List.of(kill))).get(0).millis());
  }

  @Test
  void housekeepingInFlightAtAKillIsNoInterruptedStep() throws Exception {
    var prune = new ChaosHarness.InFlight(JOIN, "Kubeadm.PruneRuns", 1, "worker@101@vm", 9_500);
    var kill = new RoundContext.Kill(10_000, first, List.of(join(9_000, 1, first), prune), second);
    JsonNode t =
        trail(
            "{\"entries\": [{\"kind\": \"activity\", \"workflowId\": \""
                + JOIN
                + "\","
                + " \"step\": \"Kubeadm.Join\", \"startedAtMillis\": 27000, \"identity\": \"worker@202@vm\"}]}");
    var takeovers = Takeovers.of(List.of(kill), Takeovers.starts(t, List.of(kill)));
    assertEquals(
        List.of("Kubeadm.Join"), takeovers.stream().map(Takeovers.Takeover::activity).toList());
  }
}
