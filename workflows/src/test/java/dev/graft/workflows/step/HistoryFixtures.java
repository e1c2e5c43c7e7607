package dev.graft.workflows.step;

import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps histories of representative runs under src/test/resources/histories, which {@code
 * ReplayTest} replays on every build, so a change that breaks determinism fails the build.
 *
 * <p>Histories are (re)written only on purpose: {@code mvn test -Dgraft.recordHistories=true}.
 * Commit the result together with the change and, for deployed workflows, a {@code
 * Workflow.getVersion} branch.
 */
public final class HistoryFixtures {
  private HistoryFixtures() {}

  public static void record(TestWorkflowEnvironment env, String workflowId, String name) {
    if (!Boolean.getBoolean("graft.recordHistories")) {
      return;
    }
    String json = env.getWorkflowClient().fetchHistory(workflowId).toJson(true);
    Path out = Path.of("src/test/resources/histories", name + ".json");
    try {
      Files.createDirectories(out.getParent());
      Files.writeString(out, json);
      // The workflow id, for workflows whose code reads it (the replayer uses a made-up one).
      Files.writeString(out.resolveSibling(name + ".id"), workflowId + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
