package dev.graft.activities.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.ssh.NodeShell;
import dev.graft.activities.ssh.SshConnectionPool;
import dev.graft.activities.ssh.SshExecutor;
import dev.graft.activities.ssh.SshPoolSettings;
import dev.graft.activities.testing.Prereqs;
import dev.graft.lab.ExecResult;
import dev.graft.lab.HostState;
import dev.graft.lab.Lab;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabSpec;
import dev.graft.lab.LabState;
import dev.graft.workflows.join.HostActivities;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.join.PrecheckRequest;
import dev.graft.workflows.join.ReachResult;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.step.ExecutionPolicy;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * reach, pre-checks and provisioning against real lab hosts: network namespaces with their own
 * OpenSSH server, host key, hostname and sysctls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostActivitiesLabTest {
  private Lab lab;
  private LabState state;
  private Path stateDir;
  private SshConnectionPool pool;
  private TestActivityEnvironment env;
  private HostActivities host;

  @BeforeAll
  void up() throws Exception {
    Prereqs.requireRoot("lab hosts are network namespaces");
    Prereqs.requireExecutable("OpenSSH server", "/usr/sbin/sshd");
    stateDir = Files.createTempDirectory("graft-host-activities-").resolve("lab");
    lab = Lab.up(LabSpec.builder().nodes(2).kind(LabKind.NETNS).stateDir(stateDir).build());
    state = lab.state();
    SshPoolSettings settings = SshPoolSettings.defaults();
    pool = new SshConnectionPool(settings);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new HostActivitiesImpl(new NodeShell(new SshExecutor(pool, settings))));
    host = env.newActivityStub(HostActivities.class);
  }

  @AfterAll
  void down() throws Exception {
    if (env != null) {
      env.close();
    }
    if (pool != null) {
      pool.close();
    }
    if (lab != null) {
      lab.close();
    }
    if (stateDir != null) {
      Files.deleteIfExists(stateDir.getParent());
    }
  }

  private NodeSpec node(HostState h, String pinnedKey) {
    SshSpec ssh =
        new SshSpec("root", h.sshPort(), state.clientKey(), false, pinnedKey, state.knownHosts());
    return new NodeSpec(h.name(), h.address(), null, List.of(Role.WORKER), ssh, null, null, null);
  }

  private static ApplicationFailure cause(ActivityFailure f) {
    return (ApplicationFailure) f.getCause();
  }

  @Test
  void reachVerifiesTheHostKeyFromKnownHosts() {
    HostState h = state.hosts().get(0);
    ReachResult r = host.reach(new HostRequest("lab", node(h, null)));
    assertEquals(h.name(), r.hostname());
    assertTrue(r.hostKeyFingerprint().contains("known_hosts"), r.hostKeyFingerprint());
  }

  @Test
  void aChangedHostKeyStopsReachWithTheFingerprintSeen() {
    HostState first = state.hosts().get(0);
    HostState second = state.hosts().get(1);
    // Pin the second host's key for the first host: what an impersonated or reinstalled host looks
    // like.
    ActivityFailure f =
        assertThrows(
            ActivityFailure.class,
            () -> host.reach(new HostRequest("lab", node(first, second.hostKey()))));
    ApplicationFailure c = cause(f);
    assertEquals("SshHostKeyMismatch", c.getType());
    assertTrue(c.isNonRetryable(), "no retry against a host that may be impersonated");
    assertTrue(c.getOriginalMessage().contains("SHA256:"), c.getOriginalMessage());
  }

  @Test
  void preChecksRunEveryCheckAndReportEachFailure() {
    HostState h = state.hosts().get(1);
    ActivityFailure f =
        assertThrows(
            ActivityFailure.class,
            () ->
                host.precheck(
                    new PrecheckRequest(
                        "lab",
                        node(h, null),
                        List.of(state.hosts().get(0).name()),
                        "10.96.0.0/12",
                        node(state.hosts().get(0), null),
                        ExecutionPolicy.DEFAULTS)));
    ApplicationFailure c = cause(f);
    assertEquals("PrecheckFailed", c.getType());
    String report = c.getDetails().get(StepFailureDetails.class).outputTail();
    for (String check :
        List.of(
            "swap",
            "firewalld",
            "kernel",
            "ip_forward",
            "ports",
            "container-runtime",
            "memory",
            "hostname",
            "clock",
            "service-cidr-routes")) {
      assertTrue(report.contains(" " + check + ": "), check + " missing from:\n" + report);
    }
    // A fresh lab host has no container runtime: reported with what to do, the run did not stop
    // there.
    assertTrue(report.contains("FAIL  container-runtime"), report);
    assertTrue(report.contains("ok    hostname"), report);
    assertTrue(report.contains("ok    clock"), report);
  }

  @Test
  void provisioningChangesOnlyWhatDiffersAndASecondRunChangesNothing() throws Exception {
    HostState h = state.hosts().get(0);
    String rootForwarding = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
    lab.host(h.name())
        .sh(Duration.ofSeconds(10), "sysctl -w net.ipv4.ip_forward=0 >/dev/null")
        .orThrow("reset ip_forward");

    StepOutcome first = host.provision(new HostRequest("lab", node(h, null)));
    assertFalse(first.alreadySatisfied(), first.summary());
    assertTrue(first.summary().contains("sysctl net.ipv4.ip_forward=1"), first.summary());
    ExecResult inHost =
        lab.host(h.name())
            .sh(
                Duration.ofSeconds(10),
                "cat /proc/sys/net/ipv4/ip_forward; cat " + Provisioning.SYSCTL_FILE);
    assertTrue(inHost.stdout().startsWith("1\n"), inHost.stdout());
    assertTrue(inHost.stdout().contains("net.ipv4.ip_forward = 1"), inHost.stdout());
    assertEquals(
        rootForwarding,
        Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim(),
        "the machine's own forwarding setting is untouched");

    StepOutcome second = host.provision(new HostRequest("lab", node(h, null)));
    assertTrue(second.alreadySatisfied(), second.summary() + "\n" + second.outputTail());
  }
}
