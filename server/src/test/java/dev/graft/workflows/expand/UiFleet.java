package dev.graft.workflows.expand;

import dev.graft.workflows.join.HostActivities;
import dev.graft.workflows.join.HostRequest;
import dev.graft.workflows.join.JoinRequest;
import dev.graft.workflows.join.KubeadmActivities;
import dev.graft.workflows.join.NodeObjectActivities;
import dev.graft.workflows.join.NodeObjectRequest;
import dev.graft.workflows.join.PrecheckReport;
import dev.graft.workflows.join.PrecheckRequest;
import dev.graft.workflows.join.ReachResult;
import dev.graft.workflows.join.ReadyRequest;
import dev.graft.workflows.routing.AllocationRequest;
import dev.graft.workflows.routing.AllocationResult;
import dev.graft.workflows.routing.ClusterRequest;
import dev.graft.workflows.routing.CniDetection;
import dev.graft.workflows.routing.NodeRoutesRequest;
import dev.graft.workflows.routing.NodeRoutingActivities;
import dev.graft.workflows.routing.PodNetworkApiActivities;
import dev.graft.workflows.routing.VerifyRequest;
import dev.graft.workflows.routing.VerifyResult;
import dev.graft.workflows.step.StepFailureDetails;
import dev.graft.workflows.step.StepOutcome;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workflows module's {@link FakeFleet} (package-private there) as the server's browser tests
 * use it: every activity the real expansion, join and routing workflows call, answered by the
 * stateful fake, plus two things a person watching the UI needs to see happen:
 *
 * <ul>
 *   <li>a step that fails with a chosen message and output on a chosen node, a chosen number of
 *       times, retryably (Temporal retries it, then the step parks in needs-attention);
 *   <li>a join that takes a while and heartbeats output lines meanwhile, as an SSH step streams
 *       {@code kubeadm join}'s output, so the UI's live tail has something to show.
 * </ul>
 */
public final class UiFleet
    implements HostActivities,
        NodeObjectActivities,
        KubeadmActivities,
        PodNetworkApiActivities,
        NodeRoutingActivities,
        VerifyActivities {
  private record Failure(AtomicInteger left, String message, String output) {}

  private record SlowJoin(List<String> lines, Duration every) {}

  private final FakeFleet fleet = new FakeFleet();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();
  private final Map<String, SlowJoin> slowJoins = new ConcurrentHashMap<>();

  /**
   * The cluster's stacked etcd (register it beside this fleet): {@code members} are its voters
   * before the expansion; control-plane joins add theirs.
   */
  public FakeStackedEtcd etcd(String... members) {
    fleet.etcd.voters.clear();
    fleet.etcd.voters.addAll(List.of(members));
    return fleet.etcd;
  }

  /** Nodes that exist before the expansion: registered, joined, Ready. */
  public UiFleet existing(String... names) {
    fleet.existing(names);
    return this;
  }

  /** Records no events (a 200-node run has no use for them). */
  public UiFleet quiet() {
    fleet.quiet = true;
    return this;
  }

  /**
   * {@code step} ("reach", "precheck", "register", "join", "ready", "routes") fails on {@code node}
   * the next {@code times} times it runs, retryably, with this message and output.
   */
  public void fail(String step, String node, int times, String message, String output) {
    failures.put(step + "/" + node, new Failure(new AtomicInteger(times), message, output));
  }

  /** How many more times that step will fail (0 once its failures are used up). */
  public int failuresLeft(String step, String node) {
    Failure f = failures.get(step + "/" + node);
    return f == null ? 0 : Math.max(0, f.left().get());
  }

  /** The join of {@code node} heartbeats these lines, one every {@code every}, before it joins. */
  public void slowJoin(String node, List<String> lines, Duration every) {
    slowJoins.put(node, new SlowJoin(List.copyOf(lines), every));
  }

  /** Whether the node has joined (in the fake's state). */
  public boolean joined(String node) {
    return fleet.joined.contains(node);
  }

  private void maybeFail(String step, String node) {
    Failure f = failures.get(step + "/" + node);
    if (f != null && f.left().getAndDecrement() > 0) {
      int attempt = Activity.getExecutionContext().getInfo().getAttempt();
      throw ApplicationFailure.newFailureWithCause(
          f.message(),
          "Injected",
          null,
          new StepFailureDetails(
              f.output(), "injected by the test; retry once it is fixed", attempt));
    }
  }

  @Override
  public ReachResult reach(HostRequest request) {
    maybeFail("reach", request.node().name());
    return fleet.reach(request);
  }

  @Override
  public PrecheckReport precheck(PrecheckRequest request) {
    maybeFail("precheck", request.node().name());
    return fleet.precheck(request);
  }

  @Override
  public StepOutcome provision(HostRequest request) {
    maybeFail("provision", request.node().name());
    return fleet.provision(request);
  }

  @Override
  public StepOutcome register(NodeObjectRequest request) {
    maybeFail("register", request.node().name());
    return fleet.register(request);
  }

  @Override
  public StepOutcome join(JoinRequest request) {
    String node = request.node().name();
    SlowJoin slow = slowJoins.get(node);
    if (slow != null) {
      ActivityExecutionContext ctx = Activity.getExecutionContext();
      for (String line : slow.lines()) {
        ctx.heartbeat(node + " kubeadm join: " + line);
        try {
          Thread.sleep(slow.every().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
    maybeFail("join", node);
    return fleet.join(request);
  }

  @Override
  public StepOutcome awaitReady(ReadyRequest request) {
    maybeFail("ready", request.node().name());
    return fleet.awaitReady(request);
  }

  @Override
  public StepOutcome delete(NodeObjectRequest request) {
    return fleet.delete(request);
  }

  @Override
  public StepOutcome reset(HostRequest request) {
    return fleet.reset(request);
  }

  @Override
  public StepOutcome pruneRuns(HostRequest request) {
    return fleet.pruneRuns(request);
  }

  @Override
  public CniDetection detectCni(ClusterRequest request) {
    return fleet.detectCni(request);
  }

  @Override
  public AllocationResult allocate(AllocationRequest request) {
    return fleet.allocate(request);
  }

  @Override
  public StepOutcome program(NodeRoutesRequest request) {
    maybeFail("routes", request.node().name());
    return fleet.program(request);
  }

  @Override
  public VerifyResult verify(VerifyRequest request) {
    return fleet.verify(request);
  }

  @Override
  public StepOutcome nodesReady(NodesReadyRequest request) {
    return fleet.nodesReady(request);
  }
}
