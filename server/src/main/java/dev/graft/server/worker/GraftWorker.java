package dev.graft.server.worker;

import dev.graft.activities.diag.PingActivitiesImpl;
import dev.graft.activities.etcd.EtcdActivitiesImpl;
import dev.graft.activities.etcd.EtcdClients;
import dev.graft.activities.etcd.EtcdHostActivitiesImpl;
import dev.graft.activities.etcd.EtcdThroughNode;
import dev.graft.activities.etcd.RemovalEtcdActivitiesImpl;
import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.kube.NodeObjectActivitiesImpl;
import dev.graft.activities.kube.VerifyActivitiesImpl;
import dev.graft.activities.node.HostActivitiesImpl;
import dev.graft.activities.node.KubeadmActivitiesImpl;
import dev.graft.activities.remove.RemovalApiActivitiesImpl;
import dev.graft.activities.remove.RemovalHostActivitiesImpl;
import dev.graft.activities.routing.NodeRoutingActivitiesImpl;
import dev.graft.activities.routing.PodNetworkApiActivitiesImpl;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.ssh.SshConnectionPool;
import dev.graft.activities.ssh.SshExecutor;
import dev.graft.activities.ssh.SshMetrics;
import dev.graft.activities.ssh.SshPoolSettings;
import dev.graft.activities.upgrade.UpgradeApiActivitiesImpl;
import dev.graft.activities.upgrade.UpgradeHostActivitiesImpl;
import dev.graft.server.audit.AuditArchive;
import dev.graft.server.observe.LogContext;
import dev.graft.server.operations.AuditArchiveActivitiesImpl;
import dev.graft.server.operations.AuditTrail;
import dev.graft.server.temporal.TemporalConnection;
import dev.graft.workflows.cluster.ClusterWorkflowImpl;
import dev.graft.workflows.diag.PingWorkflowImpl;
import dev.graft.workflows.etcd.EtcdGrowthWorkflowImpl;
import dev.graft.workflows.expand.ExpansionWorkflowImpl;
import dev.graft.workflows.join.NodeJoinWorkflowImpl;
import dev.graft.workflows.remove.NodeRemovalWorkflowImpl;
import dev.graft.workflows.remove.RemovalWorkflowImpl;
import dev.graft.workflows.routing.RoutingBatchWorkflowImpl;
import dev.graft.workflows.routing.RoutingWorkflowImpl;
import dev.graft.workflows.upgrade.NodeUpgradeWorkflowImpl;
import dev.graft.workflows.upgrade.UpgradeWorkflowImpl;
import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The managed worker: one {@link WorkerFactory} polling Graft's task queue, with every workflow and
 * activity implementation registered in one place.
 */
public final class GraftWorker implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(GraftWorker.class);

  /**
   * Registers workflow and activity implementations on the worker; returns what to close when the
   * worker stops. {@link #GRAFT} is Graft's own; tests register fakes through the same worker
   * wiring (interceptors, metrics, the audit archive).
   */
  public interface Registrations {
    AutoCloseable register(Worker worker, TemporalConnection connection, MeterRegistry metrics);
  }

  /** Graft's workflows and its real activities (SSH, Kubernetes API, etcd). */
  public static final Registrations GRAFT =
      (worker, connection, metrics) -> {
        GraftWorker w = new GraftWorker(connection);
        w.registerGraft(worker, metrics);
        return w::closeClients;
      };

  private final TemporalConnection connection;
  private final MeterRegistry metrics;
  private final AuditArchive archive;
  private final Registrations registrations;
  private WorkerFactory factory;
  private Worker worker;
  private AutoCloseable registered;
  private SshConnectionPool sshPool;
  private KubeClients kubeClients;
  private EtcdClients etcdClients;

  public GraftWorker(TemporalConnection connection) {
    this(connection, Metrics.globalRegistry, null, GRAFT);
  }

  /**
   * @param metrics where activities report (SSH latency, etcd gate checks)
   * @param archive the audit archive this worker writes ended operations to, or null for none
   */
  public GraftWorker(
      TemporalConnection connection,
      MeterRegistry metrics,
      AuditArchive archive,
      Registrations registrations) {
    this.connection = connection;
    this.metrics = metrics;
    this.archive = archive;
    this.registrations = registrations;
  }

  @Override
  public synchronized void start() throws Exception {
    if (factory != null) {
      return;
    }
    factory = WorkerFactory.newInstance(connection.client(), factoryOptions());
    worker = factory.newWorker(connection.settings().getTaskQueue(), workerOptions());
    worker.registerActivitiesImplementations(
        new AuditArchiveActivitiesImpl(new AuditTrail(connection), archive));
    EtcdActivitiesImpl.registerGateChecks(metrics);
    registered = registrations.register(worker, connection, metrics);
    factory.start();
    LOG.info(
        "worker polling task queue {} in namespace {} as {}",
        connection.settings().getTaskQueue(),
        connection.settings().getNamespace(),
        connection.identity());
  }

  /**
   * Every worker's interceptors: the logging context of activities and workflows ({@link
   * LogContext}).
   */
  public static WorkerFactoryOptions factoryOptions() {
    return WorkerFactoryOptions.newBuilder().setWorkerInterceptors(new LogContext()).build();
  }

  private void registerGraft(Worker worker, MeterRegistry metrics) {
    // Long-lived clients shared by every activity: one SSH session per host, one API client per
    // kubeconfig. Activities themselves are stateless.
    SshPoolSettings ssh = SshPoolSettings.defaults();
    sshPool = new SshConnectionPool(ssh, new SshMetrics(metrics));
    kubeClients = new KubeClients(Duration.ofSeconds(15));
    etcdClients = new EtcdClients(Duration.ofSeconds(5));
    NodeShell nodeShell = new NodeShell(new SshExecutor(sshPool, ssh));
    // One etcd route for growth and removal: client files when the inventory names them, else
    // through a node.
    EtcdActivitiesImpl etcd =
        new EtcdActivitiesImpl(etcdClients, new EtcdThroughNode(nodeShell), metrics);
    worker.registerWorkflowImplementationTypes(
        PingWorkflowImpl.class, NodeJoinWorkflowImpl.class, EtcdGrowthWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new PingActivitiesImpl(connection.identity()),
        new HostActivitiesImpl(nodeShell),
        new NodeObjectActivitiesImpl(kubeClients, Duration.ofSeconds(2)),
        new KubeadmActivitiesImpl(nodeShell, kubeClients),
        etcd,
        new EtcdHostActivitiesImpl(nodeShell));
    // Pod network routing: its workflows, and its activities on an SSH executor over the shared
    // pool.
    SshExecutor routingSsh = new SshExecutor(sshPool, ssh);
    worker.registerWorkflowImplementationTypes(
        RoutingWorkflowImpl.class, RoutingBatchWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new NodeRoutingActivitiesImpl(new NodeShell(routingSsh), routingSsh),
        new PodNetworkApiActivitiesImpl(kubeClients));
    // Operations: the cluster entity and its expansions.
    worker.registerWorkflowImplementationTypes(
        ClusterWorkflowImpl.class, ExpansionWorkflowImpl.class);
    worker.registerActivitiesImplementations(new VerifyActivitiesImpl(kubeClients));
    // Upgrades: the operation, each node's upgrade, the node steps over SSH and the API steps.
    worker.registerWorkflowImplementationTypes(
        UpgradeWorkflowImpl.class, NodeUpgradeWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new UpgradeHostActivitiesImpl(nodeShell),
        new UpgradeApiActivitiesImpl(kubeClients, Duration.ofSeconds(2)));
    // Removals: the operation, each node's removal, its host, API and etcd steps.
    worker.registerWorkflowImplementationTypes(
        RemovalWorkflowImpl.class, NodeRemovalWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new RemovalHostActivitiesImpl(nodeShell),
        new RemovalApiActivitiesImpl(
            kubeClients, new UpgradeApiActivitiesImpl(kubeClients, Duration.ofSeconds(2))),
        new RemovalEtcdActivitiesImpl(etcd));
  }

  @Override
  public synchronized void stop() throws InterruptedException {
    if (factory != null) {
      factory.shutdown();
      factory.awaitTermination(10, TimeUnit.SECONDS);
      if (!factory.isTerminated()) {
        LOG.warn("worker did not stop within 10 s; interrupting its pollers");
        factory.shutdownNow();
        factory.awaitTermination(5, TimeUnit.SECONDS);
      }
      factory = null;
      worker = null;
    }
    if (registered != null) {
      try {
        registered.close();
      } catch (Exception e) {
        LOG.warn("closing the worker's clients: {}", e.toString());
      }
      registered = null;
    }
  }

  private void closeClients() {
    if (sshPool != null) {
      sshPool.close();
      sshPool = null;
    }
    if (kubeClients != null) {
      kubeClients.close();
      kubeClients = null;
    }
    if (etcdClients != null) {
      etcdClients.close();
      etcdClients = null;
    }
  }

  /**
   * Heartbeats reach Temporal at most every 2 s. An SSH step heartbeats its latest output line,
   * which is what the UI shows as the running step's live output; by default the SDK holds
   * heartbeats back for 80% of the heartbeat timeout (48 s of the default 60 s), too long to watch.
   * Every worker, and the tests' workers, use these options.
   */
  public static WorkerOptions workerOptions() {
    return WorkerOptions.newBuilder()
        .setMaxHeartbeatThrottleInterval(Duration.ofSeconds(2))
        .build();
  }

  /** Why the worker is not polling, or null when it is. */
  public synchronized String notPollingReason() {
    if (factory == null) {
      return "worker is not started";
    }
    if (factory.isShutdown() || factory.isTerminated()) {
      return "worker is shut down";
    }
    if (!factory.isStarted()) {
      return "worker factory is not started";
    }
    if (worker.isSuspended()) {
      return "worker polling is suspended";
    }
    return null;
  }
}
