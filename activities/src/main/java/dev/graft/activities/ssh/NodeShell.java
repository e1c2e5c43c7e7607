package dev.graft.activities.ssh;

import dev.graft.activities.common.Liveness;
import dev.graft.activities.common.Resources;
import dev.graft.activities.common.Shell;
import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.join.CheckResult;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.SshSpec;
import dev.graft.workflows.step.StepFailureDetails;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Runs a step's commands on a node over the shared SSH pool: heartbeats the last output line while
 * a command runs (so a long step shows live output and a dead worker is noticed), redacts secrets
 * from everything it reports, and turns failures into typed Temporal failures with the output tail.
 */
public final class NodeShell {
  private final RemoteShell shell;
  private final String runsDir;

  public NodeShell(RemoteShell shell) {
    this(shell, RUNS_DIR);
  }

  /** A shell whose detached runs live under {@code runsDir} on the nodes (tests use a temp dir). */
  public NodeShell(RemoteShell shell, String runsDir) {
    this.shell = shell;
    this.runsDir = runsDir;
  }

  /** The SSH target of a node whose SSH settings are already layered over the cluster's. */
  public static SshTarget target(NodeSpec node) {
    SshSpec ssh = node.ssh();
    try {
      return new SshTarget(
          node.address(),
          ssh.port() == null ? SshSpec.DEFAULT_PORT : ssh.port(),
          ssh.user() == null ? SshSpec.DEFAULT_USER : ssh.user(),
          ssh.keyRef(),
          ssh.knownHosts(),
          ssh.hostKey(),
          Boolean.TRUE.equals(ssh.sudo()));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "node "
              + node.name()
              + ": SSH settings are invalid: "
              + e.getMessage()
              + " (set ssh.keyRef and ssh.knownHosts or a pinned hostKey in the inventory)",
          FailureTypes.INVALID_INPUT);
    }
  }

  /**
   * Runs a script; a non-zero exit is returned, not thrown. Secrets are removed from the output.
   */
  public CommandResult run(
      NodeSpec node, String label, String script, Duration timeout, List<String> secrets) {
    return run(node, label, script, timeout, secrets, null);
  }

  /**
   * Same as {@link #run(NodeSpec, String, String, Duration, List)}, with bytes on the command's
   * stdin.
   */
  public CommandResult run(
      NodeSpec node,
      String label,
      String script,
      Duration timeout,
      List<String> secrets,
      byte[] stdin) {
    SshTarget target = target(node);
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    AtomicReference<String> lastLine =
        new AtomicReference<>(node.name() + " " + label + ": running");
    // Keeps the step alive while its command is silent (kubeadm waits for the kubelet, etcd
    // catches up): without it, a heartbeat timeout shorter than the silence fails a healthy step.
    try (Liveness liveness = Liveness.start(ctx, lastLine::get)) {
      RemoteCommand command =
          RemoteCommand.of(script, timeout)
              .withLabel(label)
              .withListener(
                  (kind, line) -> {
                    String beat = node.name() + " " + label + ": " + Redactor.redact(line, secrets);
                    lastLine.set(beat);
                    if (liveness.due()) {
                      liveness.beaten();
                      ctx.heartbeat(beat); // throws when the step is cancelled: the command stops
                    }
                  });
      if (stdin != null) {
        command = command.withStdin(stdin);
      }
      CommandResult r = shell.run(target, command);
      return redacted(r, secrets);
    } catch (SshOperationException e) {
      ApplicationFailure f = SshFailures.toApplicationFailure(e);
      throw withDetails(f, Redactor.redact(f.getOriginalMessage(), secrets), "", hint(f.getType()));
    }
  }

  /**
   * Where detached runs keep each attempt's pid, log and exit status ({@code <key>/attempt-N/}) on
   * a node.
   */
  public static final String RUNS_DIR = "/var/lib/graft/runs";

  private static final String DETACHED_RUN = Resources.text(NodeShell.class, "detached-run.sh");

  /**
   * The outcome of a detached run: its result, and whether this attempt attached to (or found
   * finished) a run that an earlier attempt of the same step started.
   */
  public record DetachedRun(CommandResult result, boolean resumed) {}

  /**
   * Attaches to a run of {@code key} that an earlier attempt started: waits for it while
   * heartbeating its output if it still runs, or returns its result if it finished with exit 0.
   * Empty when there is no such run (none yet, or the earlier one failed or was interrupted).
   */
  public Optional<DetachedRun> resumeDetached(
      NodeSpec node, String key, String label, Duration timeout, List<String> secrets) {
    CommandResult r =
        run(
            node,
            label,
            detachedScript("attach", key, timeout, null),
            timeout.plusSeconds(30),
            secrets);
    String markers = r.stderrTail() == null ? "" : r.stderrTail();
    if (markers.contains("graft-run: none")) {
      return Optional.empty();
    }
    return Optional.of(new DetachedRun(r, true));
  }

  /**
   * Runs {@code script} detached from the SSH session ({@code setsid}, output to a log under {@link
   * #RUNS_DIR}), streaming its output as heartbeats until it ends. A worker that dies mid-step
   * leaves the command running; the next attempt of the step, with the same {@code key}, attaches
   * to it through {@link #resumeDetached} instead of running it a second time. A run still in
   * progress under the same key is attached to, never doubled.
   */
  public DetachedRun runDetached(
      NodeSpec node,
      String key,
      String label,
      String script,
      Duration timeout,
      List<String> secrets) {
    CommandResult r =
        run(
            node,
            label,
            detachedScript("launch", key, timeout, script),
            timeout.plusSeconds(30),
            secrets);
    String markers = r.stderrTail() == null ? "" : r.stderrTail();
    return new DetachedRun(r, !markers.contains("graft-run: started"));
  }

  /**
   * A run key from the calling activity's workflow id and a step name: stable across the attempts
   * of one step, distinct between operations and nodes. Only [A-Za-z0-9._-] reach the path; a hash
   * keeps keys that differ only in replaced characters apart.
   */
  public static String runKey(String step) {
    String wf = Activity.getExecutionContext().getInfo().getWorkflowId();
    return runKey(wf, step);
  }

  static String runKey(String workflowId, String step) {
    String raw = workflowId + "/" + step;
    String safe = raw.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safe.length() > 120) {
      safe = safe.substring(safe.length() - 120);
    }
    return safe + "-" + Integer.toHexString(raw.hashCode() & 0x7fffffff);
  }

  /**
   * Removes the node's run directories whose latest attempt has finished; a run still in progress
   * is kept. Called when an operation ends: what a later attempt of a step needs is decided from
   * the node itself (kubeadm join looks at what is on the node), never from an old run's log.
   * Returns how many directories went.
   */
  public int pruneRuns(NodeSpec node) {
    CommandResult r =
        run(
            node,
            "prune runs",
            detachedScript("prune", null, Duration.ofSeconds(30), null),
            Duration.ofSeconds(30),
            List.of());
    checked(node, "prune runs", r, "read the output below");
    String out = r.stdoutTail() == null ? "" : r.stdoutTail().strip();
    return out.startsWith("pruned ") ? Integer.parseInt(out.substring(7).strip()) : 0;
  }

  private String detachedScript(String mode, String key, Duration timeout, String command) {
    if (key != null && !key.matches("[A-Za-z0-9._-]{1,160}")) {
      throw new IllegalArgumentException(
          "run key '" + key + "' has characters other than [A-Za-z0-9._-]");
    }
    StringBuilder sb = new StringBuilder();
    sb.append("MODE=").append(mode).append('\n');
    sb.append("DIR=").append(Shell.quote(key == null ? runsDir : runsDir + "/" + key)).append('\n');
    sb.append("SECS=").append(Math.max(1, timeout.toSeconds())).append('\n');
    sb.append("CMD=").append(Shell.quote(command == null ? "" : command)).append('\n');
    return sb.append(DETACHED_RUN).toString();
  }

  /** Runs a script and fails the step (retryably) when it exits non-zero. */
  public CommandResult runChecked(
      NodeSpec node, String label, String script, Duration timeout, List<String> secrets) {
    return checked(
        node,
        label,
        run(node, label, script, timeout, secrets),
        "read the output below, fix the node, then retry the step");
  }

  /**
   * Returns a command's result when it exited 0; otherwise fails the step (retryably) with its
   * output tail and {@code hint}.
   */
  public static CommandResult checked(NodeSpec node, String label, CommandResult r, String hint) {
    if (!r.succeeded()) {
      throw failure(
          node.name() + ": " + label + " failed (" + r.status() + ")",
          FailureTypes.REMOTE_COMMAND_FAILED,
          false,
          tail(r),
          hint);
    }
    return r;
  }

  public static String tail(CommandResult r) {
    String out = r.stdoutTail() == null ? "" : r.stdoutTail();
    String err = r.stderrTail() == null ? "" : r.stderrTail();
    return err.isBlank() ? out : out + (out.endsWith("\n") || out.isEmpty() ? "" : "\n") + err;
  }

  /** A typed failure carrying the output tail and what to do next, for the needs-attention view. */
  /**
   * The report, unless one of its checks {@code blocks}: then a non-retryable {@code
   * PRECHECK_FAILED} ("{@code what}: " and the report's summary), since retrying cannot fix a
   * failed check; an operator fixes what the FAIL lines say and retries, or skips the pre-checks.
   */
  public static PrecheckReport passed(
      PrecheckReport report, Predicate<CheckResult> blocks, String what, String hint) {
    if (report.checks().stream().anyMatch(blocks)) {
      throw failure(
          what + ": " + report.summary(),
          FailureTypes.PRECHECK_FAILED,
          true,
          report.outputTail(),
          hint);
    }
    return report;
  }

  public static ApplicationFailure failure(
      String message, String type, boolean nonRetryable, String outputTail, String hint) {
    StepFailureDetails details = new StepFailureDetails(outputTail, hint, attemptOrZero());
    return nonRetryable
        ? ApplicationFailure.newNonRetryableFailure(message, type, details)
        : ApplicationFailure.newFailure(message, type, details);
  }

  /**
   * The running activity's attempt; 0 outside an activity (the planner reads etcd through a node
   * with the same scripts while it plans, and gets the same typed failures).
   */
  private static int attemptOrZero() {
    try {
      return Activity.getExecutionContext().getInfo().getAttempt();
    } catch (IllegalStateException | NullPointerException notInAnActivity) {
      return 0;
    }
  }

  private static ApplicationFailure withDetails(
      ApplicationFailure f, String message, String tail, String hint) {
    return failure(message, f.getType(), f.isNonRetryable(), tail, hint);
  }

  private static String hint(String type) {
    return switch (type == null ? "" : type) {
      case FailureTypes.SSH_HOST_KEY_MISMATCH ->
          "the host key changed: if the machine was reinstalled, update known_hosts or the pinned hostKey, then retry; otherwise investigate";
      case FailureTypes.SSH_HOST_KEY_UNKNOWN ->
          "add the host's key to the known_hosts file named in the inventory (ssh-keyscan, verified out of band), then retry";
      case FailureTypes.SSH_AUTH_FAILED ->
          "authorize the key in ~/.ssh/authorized_keys of the SSH user, then retry";
      case FailureTypes.SSH_KEY_UNREADABLE ->
          "make the private key file readable by the worker, then retry";
      case FailureTypes.SSH_UNREACHABLE -> "check that the node is up and sshd listens, then retry";
      case FailureTypes.SSH_COMMAND_TIMEOUT ->
          "the command ran too long: look at the node, then retry";
      default -> "";
    };
  }

  private static CommandResult redacted(CommandResult r, List<String> secrets) {
    return new CommandResult(
        r.exitCode(),
        r.exitSignal(),
        Redactor.redact(r.stdoutTail(), secrets),
        Redactor.redact(r.stderrTail(), secrets),
        r.stdoutBytes(),
        r.stderrBytes(),
        r.stdoutTruncated(),
        r.stderrTruncated(),
        r.elapsedMillis());
  }
}
