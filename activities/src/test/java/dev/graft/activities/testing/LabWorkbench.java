package dev.graft.activities.testing;

import dev.graft.activities.kube.KubeClients;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.ssh.SshConnectionPool;
import dev.graft.activities.ssh.SshExecutor;
import dev.graft.activities.ssh.SshPoolSettings;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the lab end-to-end tests of workflows share: a bootstrapped netns lab (real OpenSSH, the
 * API/kubeadm/kubelet stand-ins, real etcd), one SSH pool and API client cache for the activities,
 * and a Temporal test environment (not started: the test registers its worker first). {@link
 * #close} tears everything down in reverse order, the lab last.
 */
public final class LabWorkbench implements AutoCloseable {
  private final Path stateDir;
  private final Lab lab;
  private final SshPoolSettings settings = SshPoolSettings.defaults();
  private final SshConnectionPool pool = new SshConnectionPool(settings);
  private final KubeClients kube = new KubeClients(Duration.ofSeconds(15));
  private final TestWorkflowEnvironment temporal;

  private LabWorkbench(Path stateDir, Lab lab, TestEnvironmentOptions options) {
    this.stateDir = stateDir;
    this.lab = lab;
    this.temporal =
        options == null
            ? TestWorkflowEnvironment.newInstance()
            : TestWorkflowEnvironment.newInstance(options);
  }

  /**
   * Checks the prerequisites (root, sshd, etcd), then brings up {@code nodes} bootstrapped hosts.
   */
  public static LabWorkbench up(String tempPrefix, int nodes, TestEnvironmentOptions options)
      throws Exception {
    Prereqs.requireRoot("lab hosts are network namespaces");
    Prereqs.requireExecutable("OpenSSH server", "/usr/sbin/sshd");
    Prereqs.requireExecutable("etcd (the lab bootstrap)", "/usr/bin/etcd");
    Path stateDir = Files.createTempDirectory(tempPrefix).resolve("lab");
    Lab lab =
        Lab.up(
            LabSpec.builder()
                .nodes(nodes)
                .kind(LabKind.NETNS)
                .stateDir(stateDir)
                .bootstrap(true)
                .build());
    return new LabWorkbench(stateDir, lab, options);
  }

  public Lab lab() {
    return lab;
  }

  public LabState state() {
    return lab.state();
  }

  public SshConnectionPool pool() {
    return pool;
  }

  public KubeClients kube() {
    return kube;
  }

  public TestWorkflowEnvironment temporal() {
    return temporal;
  }

  /** A new executor over the shared pool. */
  public SshExecutor executor() {
    return new SshExecutor(pool, settings);
  }

  public NodeShell shell() {
    return new NodeShell(executor());
  }

  /** A node for a lab host, reached as root with the lab's client key and known_hosts. */
  public NodeSpec node(HostState h, List<Role> roles) {
    LabState state = lab.state();
    SshSpec ssh =
        new SshSpec("root", h.sshPort(), state.clientKey(), false, null, state.knownHosts());
    return new NodeSpec(h.name(), h.address(), null, roles, ssh, null, null, null);
  }

  @Override
  public void close() throws Exception {
    try {
      temporal.close();
      pool.close();
      kube.close();
    } finally {
      lab.close();
      Files.deleteIfExists(stateDir.getParent());
    }
  }
}
