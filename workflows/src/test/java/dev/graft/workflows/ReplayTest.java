package dev.graft.workflows;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.graft.workflows.step.StepsWorkflowTest;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every recorded history under src/test/resources/histories against today's workflow code.
 * A non-deterministic change (a reordered step, a removed activity call without {@code
 * Workflow.getVersion}) fails here, before it can break executions in flight.
 */
class ReplayTest {
  /** Every workflow implementation whose histories are kept. */
  private static final List<Class<?>> IMPLEMENTATIONS =
      List.of(
          StepsWorkflowTest.ThreeStepWorkflowImpl.class,
          dev.graft.workflows.join.NodeJoinWorkflowImpl.class,
          dev.graft.workflows.routing.RoutingWorkflowImpl.class,
          dev.graft.workflows.routing.RoutingBatchWorkflowImpl.class,
          dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl.class,
          dev.graft.workflows.expand.ExpansionWorkflowImpl.class,
          dev.graft.workflows.cluster.ClusterWorkflowImpl.class,
          dev.graft.workflows.upgrade.UpgradeWorkflowImpl.class,
          dev.graft.workflows.upgrade.NodeUpgradeWorkflowImpl.class,
          dev.graft.workflows.remove.RemovalWorkflowImpl.class,
          dev.graft.workflows.remove.NodeRemovalWorkflowImpl.class);

  static Stream<Path> histories() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of("src/test/resources/histories"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertFalse(
        files.isEmpty(), "no recorded histories: run mvn test -Dgraft.recordHistories=true");
    return files.stream();
  }

  @ParameterizedTest(name = "{0} replays deterministically")
  @MethodSource("histories")
  void replays(Path history) throws Exception {
    Path id = history.resolveSibling(history.getFileName().toString().replace(".json", ".id"));
    WorkflowExecutionHistory recorded =
        Files.exists(id)
            ? WorkflowExecutionHistory.fromJson(
                Files.readString(history), Files.readString(id).trim())
            : WorkflowExecutionHistory.fromJson(Files.readString(history));
    WorkflowReplayer.replayWorkflowExecution(
        recorded,
        IMPLEMENTATIONS.get(0),
        IMPLEMENTATIONS.subList(1, IMPLEMENTATIONS.size()).toArray(new Class<?>[0]));
  }
}
