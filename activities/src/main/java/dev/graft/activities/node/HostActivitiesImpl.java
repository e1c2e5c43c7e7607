package dev.graft.activities.node;

import static dev.graft.activities.common.ActivityAttempts.attempt;

import dev.graft.activities.ssh.CommandResult;
import dev.graft.activities.ssh.NodeShell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.join.CheckResult;
import dev.graft.workflows.join.HostActivities;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.join.PrecheckRequest;
import dev.graft.workflows.join.ReachResult;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.StepOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** reach, pre-checks and provisioning of a node, over SSH. */
public final class HostActivitiesImpl implements HostActivities {
  private static final Logger LOG = LoggerFactory.getLogger(HostActivitiesImpl.class);
  private static final Duration SHORT = Duration.ofSeconds(30);
  private static final Duration PROVISION = Duration.ofMinutes(5);

  private final NodeShell shell;

  public HostActivitiesImpl(NodeShell shell) {
    this.shell = shell;
  }

  @Override
  public ReachResult reach(HostRequest request) {
    NodeSpec node = request.node();
    boolean sudo = Boolean.TRUE.equals(node.ssh().sudo());
    CommandResult r =
        shell.runChecked(
            node,
            "reach",
            "printf 'hostname=%s\\nkernel=%s\\nuid=%s\\n' \"$(hostname)\" \"$(uname -r)\" \"$(id -u)\"",
            SHORT,
            List.of());
    Map<String, String> facts = Prechecks.parseFacts(r.stdoutTail());
    if (!sudo && !"0".equals(facts.get("uid"))) {
      throw NodeShell.failure(
          node.name() + ": logged in as uid " + facts.get("uid") + " without sudo",
          FailureTypes.INVALID_INPUT,
          true,
          NodeShell.tail(r),
          "log in as root, or set ssh.sudo: true for this node (passwordless sudo)");
    }
    String trust =
        node.ssh().hostKey() != null ? "pinned key" : "known_hosts " + node.ssh().knownHosts();
    LOG.info(
        "reached node={} host={} kernel={}",
        node.name(),
        facts.get("hostname"),
        facts.get("kernel"));
    return new ReachResult(
        facts.get("hostname"), facts.get("kernel"), "verified against " + trust, sudo, attempt());
  }

  @Override
  public PrecheckReport precheck(PrecheckRequest request) {
    NodeSpec node = request.node();
    long t0 = System.currentTimeMillis();
    CommandResult r =
        shell.runChecked(
            node,
            "pre-checks",
            Prechecks.FACTS_SCRIPT + "echo \"clock_ms=$(date +%s%3N)\"\n",
            SHORT,
            List.of());
    long t1 = System.currentTimeMillis();
    Map<String, String> facts = Prechecks.parseFacts(r.stdoutTail());
    Long skew = null;
    if (request.clockReference() != null) {
      long offsetNode = Prechecks.parseLong(facts.get("clock_ms")) - (t0 + t1) / 2;
      long c0 = System.currentTimeMillis();
      CommandResult ref =
          shell.runChecked(
              request.clockReference(), "clock reference", "date +%s%3N", SHORT, List.of());
      long c1 = System.currentTimeMillis();
      long offsetRef = Prechecks.parseLong(ref.stdoutTail()) - (c0 + c1) / 2;
      skew = offsetNode - offsetRef;
    }
    List<CheckResult> checks =
        Prechecks.evaluate(
            node,
            facts,
            request.otherHostnames(),
            request.serviceCidr(),
            request.policy().minKernel(),
            skew,
            request.policy().maxClockSkew().toMillis());
    // A check that provisioning fixes does not stop the join; any other failed check waits for an
    // operator to fix the node and retry, or to skip the pre-checks knowingly.
    return NodeShell.passed(
        new PrecheckReport(node.name(), checks, attempt()),
        c -> !c.passed() && !c.fixable(),
        node.name() + ": pre-checks failed",
        "fix what the FAIL lines say on the node, then retry (or skip the pre-checks)");
  }

  @Override
  public StepOutcome provision(HostRequest request) {
    NodeSpec node = request.node();
    CommandResult r =
        shell.runChecked(node, "provision", Provisioning.SCRIPT, PROVISION, List.of());
    List<String> changes =
        r.stdoutTail()
            .lines()
            .filter(l -> l.startsWith("changed: "))
            .map(l -> l.substring(9))
            .toList();
    if (changes.isEmpty()) {
      return StepOutcome.alreadyDone(
          "already provisioned: swap off, modules, sysctls, firewalld",
          NodeShell.tail(r),
          attempt());
    }
    LOG.info("provisioned node={} changes={}", node.name(), changes);
    return StepOutcome.did(
        "provisioned: " + String.join(", ", changes), NodeShell.tail(r), attempt());
  }
}
