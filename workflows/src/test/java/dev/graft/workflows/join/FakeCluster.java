package dev.graft.workflows.join;

import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful fake of hosts and the API: it keeps what a real cluster would (provisioned hosts,
 * joined hosts, Node objects, readiness), answers idempotently, records every mutation, and fails a
 * named step a scripted number of times.
 */
final class FakeCluster implements HostActivities, NodeObjectActivities, KubeadmActivities {
  final Set<String> provisioned = ConcurrentHashMap.newKeySet();
  final Set<String> joined = ConcurrentHashMap.newKeySet();
  final Map<String, Map<String, String>> nodeObjects = new ConcurrentHashMap<>();
  final Set<String> ready = ConcurrentHashMap.newKeySet();
  final List<String> mutations = Collections.synchronizedList(new ArrayList<>());
  final Map<String, AtomicInteger> failNext = new ConcurrentHashMap<>();

  /** Nodes whose finished run directories were pruned (housekeeping, not a mutation). */
  final List<String> pruned = Collections.synchronizedList(new ArrayList<>());

  /** Steps whose next calls hang without a heartbeat, as a killed worker's would. */
  /** A failure type per step for its injected failures (default "Injected", retryable). */
  final Map<String, String> failNextAs = new ConcurrentHashMap<>();

  final Map<String, AtomicInteger> hangNext = new ConcurrentHashMap<>();

  /** Every activity call's Temporal attempt number, as "step:attempt". */
  final List<String> temporalAttempts = Collections.synchronizedList(new ArrayList<>());

  private static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  private void maybeFail(String step, String node) {
    temporalAttempts.add(step + ":" + attempt());
    AtomicInteger hang = hangNext.get(step);
    if (hang != null && hang.getAndDecrement() > 0) {
      try {
        Thread.sleep(4_000); // longer than the test's heartbeat timeout; its result is ignored
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("a lost worker's call came back");
    }
    AtomicInteger left = failNext.get(step);
    if (left != null && left.getAndDecrement() > 0) {
      throw ApplicationFailure.newFailureWithCause(
          step + " on " + node + " failed (injected)",
          failNextAs.getOrDefault(step, "Injected"),
          null,
          new StepFailureDetails("$ " + step + "\ninjected failure", "see the fake", attempt()));
    }
  }

  @Override
  public ReachResult reach(HostRequest request) {
    maybeFail("reach", request.node().name());
    return new ReachResult(request.node().name(), "6.1.0", "SHA256:fake", false, attempt());
  }

  @Override
  public PrecheckReport precheck(PrecheckRequest request) {
    maybeFail("prechecks", request.node().name());
    return new PrecheckReport(
        request.node().name(),
        List.of(new CheckResult("swap", true, false, "no swap", null)),
        attempt());
  }

  @Override
  public StepOutcome provision(HostRequest request) {
    maybeFail("provision", request.node().name());
    if (!provisioned.add(request.node().name())) {
      return StepOutcome.alreadyDone("nothing to change", "", attempt());
    }
    mutations.add("provision " + request.node().name());
    return StepOutcome.did("provisioned", "", attempt());
  }

  @Override
  public StepOutcome register(NodeObjectRequest request) {
    maybeFail("register", request.node().name());
    NodeSpec n = request.node();
    Map<String, String> before = nodeObjects.put(n.name(), Map.copyOf(n.labels()));
    if (before != null && before.equals(n.labels())) {
      return StepOutcome.alreadyDone("Node already registered", "", attempt());
    }
    mutations.add("register " + n.name());
    return StepOutcome.did("Node registered", "", attempt());
  }

  @Override
  public StepOutcome join(JoinRequest request) {
    maybeFail("join", request.node().name());
    if (joined.contains(request.node().name())) {
      return StepOutcome.alreadyDone("already joined", "", attempt());
    }
    joined.add(request.node().name());
    ready.add(request.node().name());
    mutations.add(
        "join "
            + request.node().name()
            + (request.certificateSource() != null ? " --control-plane" : ""));
    return StepOutcome.did("joined", "kubeadm: This node has joined the cluster", attempt());
  }

  @Override
  public StepOutcome awaitReady(ReadyRequest request) {
    maybeFail("ready", request.node().name());
    if (!ready.contains(request.node().name())) {
      throw ApplicationFailure.newFailure("not Ready", "NotReady");
    }
    return StepOutcome.did("Ready", "", attempt());
  }

  @Override
  public StepOutcome delete(NodeObjectRequest request) {
    if (nodeObjects.remove(request.node().name()) == null) {
      return StepOutcome.alreadyDone("no Node object", "", attempt());
    }
    mutations.add("delete " + request.node().name());
    return StepOutcome.did("deleted", "", attempt());
  }

  @Override
  public StepOutcome reset(HostRequest request) {
    boolean was = joined.remove(request.node().name());
    ready.remove(request.node().name());
    mutations.add("reset " + request.node().name());
    return was
        ? StepOutcome.did("reset", "", attempt())
        : StepOutcome.alreadyDone("never joined", "", attempt());
  }

  @Override
  public StepOutcome pruneRuns(HostRequest request) {
    pruned.add(request.node().name());
    return StepOutcome.alreadyDone("no run directories", "", attempt());
  }
}
