package dev.graft.server.ui;

import dev.graft.server.worker.GraftWorker;
import dev.graft.workflows.cluster.ClusterWorkflowImpl;
import dev.graft.workflows.expand.ExpansionWorkflowImpl;
import dev.graft.workflows.expand.UiFleet;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real workflows on the workflows module's fake fleet ({@link UiFleet}): every step runs in
 * milliseconds, and failures and slow, talkative joins are injected on demand. The worker uses the
 * production worker options (heartbeats reach Temporal every 2 s, so the live output is live).
 */
final class FakeFleetBackend implements ExpansionBackend {
  /** The control-plane node every inventory here starts from; it exists before the expansion. */
  static final String CONTROL_PLANE = "cp1";

  final UiFleet fleet = new UiFleet().existing(CONTROL_PLANE);
  private WorkflowServiceStubs stubs;
  private WorkerFactory factory;

  FakeFleetBackend quiet() {
    fleet.quiet();
    return this;
  }

  @Override
  public void start(String temporalTarget, String taskQueue) {
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporalTarget).build());
    factory = WorkerFactory.newInstance(WorkflowClient.newInstance(stubs));
    Worker worker =
        factory.newWorker(
            taskQueue,
            WorkerOptions.newBuilder(GraftWorker.workerOptions())
                .setMaxConcurrentActivityExecutionSize(100)
                .build());
    worker.registerWorkflowImplementationTypes(
        ClusterWorkflowImpl.class,
        ExpansionWorkflowImpl.class,
        NodeJoinWorkflowImpl.class,
        RoutingWorkflowImpl.class,
        dev.graft.workflows.routing.RoutingBatchWorkflowImpl.class,
        dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl.class);
    worker.registerActivitiesImplementations(fleet, fleet.etcd(CONTROL_PLANE));
    factory.start();
  }

  @Override
  public String inventory(String cluster, List<String> workers) {
    StringBuilder b = new StringBuilder("[all]\n" + CONTROL_PLANE + " ansible_host=10.0.0.1\n");
    for (int i = 0; i < workers.size(); i++) {
      b.append(workers.get(i))
          .append(" ansible_host=10.1.")
          .append(i / 250)
          .append('.')
          .append(i % 250 + 1)
          .append('\n');
    }
    // SSH settings are references (paths) that the fakes never open; the audit shows them.
    b.append("\n[all:vars]\ngraft_cluster_name=")
        .append(cluster)
        .append('\n')
        .append("ansible_user=graft\nansible_ssh_private_key_file=/etc/graft/keys/id_ed25519\n")
        // Room for a few hundred nodes' /24s.
        .append("kube_pods_subnet=10.64.0.0/14\nkube_network_node_prefix=24\n")
        .append("\n[kube_control_plane]\n")
        .append(CONTROL_PLANE)
        .append("\n\n[etcd]\n")
        .append(CONTROL_PLANE)
        .append("\n\n[kube_node]\n");
    workers.forEach(w -> b.append(w).append('\n'));
    return b.toString();
  }

  @Override
  public void fail(String step, String node, int times, String message, String output) {
    fleet.fail(step, node, times, message, output);
  }

  @Override
  public void slowJoin(String node, List<String> lines, Duration every) {
    fleet.slowJoin(node, lines, every);
  }

  @Override
  public void close() throws InterruptedException {
    if (factory != null) {
      factory.shutdownNow();
      factory.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (stubs != null) {
      stubs.shutdownNow();
    }
  }
}
