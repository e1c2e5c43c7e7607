package dev.graft.workflows.expand;

import static dev.graft.workflows.expand.ExpansionFixtures.cluster;
import static dev.graft.workflows.expand.ExpansionFixtures.options;
import static dev.graft.workflows.expand.ExpansionFixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl;
import dev.graft.workflows.join.NodeJoinWorkflow;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.routing.RoutingBatchWorkflowImpl;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.Decision;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.OperatorRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.workflow.Async;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An expansion inside another operation (a replacement's add/NEW) passes on its node joins' waiting
 * steps to that operation, which then shows needs-attention; an expansion under its cluster's
 * workflow does not (see {@link AttentionRelay}).
 */
class NestedExpansionAttentionTest {
  private final FakeFleet fleet = new FakeFleet();

  /**
   * Stands in for the RemovalWorkflow: runs the expansion as its child and hears childAttention.
   */
  @WorkflowInterface
  public interface Outer {
    @WorkflowMethod
    ExpansionResult run(OperationRequest request, String childId);

    @SignalMethod
    void childAttention(ChildAttention attention);

    @QueryMethod
    List<ChildAttention> heard();
  }

  public static class OuterImpl implements Outer {
    private final List<ChildAttention> heard = new ArrayList<>();

    @Override
    public ExpansionResult run(OperationRequest request, String childId) {
      ExpansionWorkflow child =
          Workflow.newChildWorkflowStub(
              ExpansionWorkflow.class,
              io.temporal.workflow.ChildWorkflowOptions.newBuilder()
                  .setWorkflowId(childId)
                  .build());
      return Async.function(child::expand, request).get();
    }

    @Override
    public void childAttention(ChildAttention attention) {
      heard.add(attention);
    }

    @Override
    public List<ChildAttention> heard() {
      return List.copyOf(heard);
    }
  }

  @RegisterExtension
  final TestWorkflowExtension temporal =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(
              OuterImpl.class,
              ExpansionWorkflowImpl.class,
              NodeJoinWorkflowImpl.class,
              RoutingWorkflowImpl.class,
              RoutingBatchWorkflowImpl.class,
              EtcdGrowthWorkflowImpl.class)
          .setActivityImplementations(fleet, fleet.etcd)
          .setDoNotStart(true)
          .build();

  @Test
  void aJoinWaitingInANestedExpansionIsHeardByTheOperationAroundItAndSoIsItsRetry(
      TestWorkflowEnvironment env, Worker worker) throws Exception {
    fleet.existing("node1", "node2");
    fleet.failNext.put("join/node4", new AtomicInteger(2)); // both attempts of the policy
    OperationRequest r = request("r9", cluster(0, 3), options(3, false, false, false));
    env.start();
    Outer outer =
        env.getWorkflowClient()
            .newWorkflowStub(
                Outer.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(worker.getTaskQueue())
                    .setWorkflowId("cluster/prod/remove/r9")
                    .build());
    WorkflowClient.start(outer::run, r, "cluster/prod/remove/r9/add");
    ExpansionWorkflow expansion =
        env.getWorkflowClient()
            .newWorkflowStub(ExpansionWorkflow.class, "cluster/prod/remove/r9/add");

    ExpansionWorkflowTest.await(
        "the outer operation hears node4's join waiting",
        () -> outer.heard().stream().anyMatch(a -> a.waiting().contains("join")));
    String joinId = expansion.progress().children().get("node/node4");
    ChildAttention waiting =
        outer.heard().stream().filter(a -> a.waiting().contains("join")).findFirst().orElseThrow();
    assertEquals(
        joinId, waiting.childId(), "the waiting workflow is named, for the operator's decision");

    env.getWorkflowClient()
        .newWorkflowStub(NodeJoinWorkflow.class, joinId)
        .decide(new OperatorRequest("join", Decision.RETRY, "dave", "disk freed"));
    ExpansionResult result = WorkflowStub.fromTyped(outer).getResult(ExpansionResult.class);
    assertEquals(OperationOutcome.COMPLETED, result.outcome(), result.message());
    List<ChildAttention> last =
        outer.heard().stream().filter(a -> a.childId().equals(joinId)).toList();
    assertTrue(last.get(last.size() - 1).waiting().isEmpty(), "the retry cleared it: " + last);
  }

  @Test
  void onlyAClusterWorkflowIdIsTheClusterWorkflow() {
    assertTrue(AttentionRelay.isClusterWorkflow("cluster/prod"));
    assertFalse(AttentionRelay.isClusterWorkflow("cluster/prod/remove/r9"));
    assertFalse(AttentionRelay.isClusterWorkflow("other/prod"));
  }
}
