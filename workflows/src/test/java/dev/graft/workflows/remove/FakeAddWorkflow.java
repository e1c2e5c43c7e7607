package dev.graft.workflows.remove;

import dev.graft.workflows.expand.ExpansionProgress;
import dev.graft.workflows.expand.ExpansionResult;
import dev.graft.workflows.expand.ExpansionWorkflow;
import dev.graft.workflows.expand.OperationRequest;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.plan.NodeAddition;
import dev.graft.workflows.plan.ObservedNode;
import dev.graft.workflows.step.ChildAttention;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepsWorkflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for the expansion's workflow in a replacement's tests: it "joins" the plan's one
 * addition into the {@link FakeRemovalFleet} (a Node, a healthy voter, routes to every node, its
 * apiserver naming its own member) and records the request it got, so a test sees when the add ran
 * (relative to the removal's mutations) and with which cluster. Test-only: the fleet is a static,
 * set by the test before it starts the operation.
 */
public class FakeAddWorkflow extends StepsWorkflow implements ExpansionWorkflow {
  static volatile FakeRemovalFleet fleet;
  static final List<OperationRequest> REQUESTS = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public ExpansionResult expand(OperationRequest r) {
    REQUESTS.add(r);
    NodeAddition a = r.plan().additions().get(0);
    FakeRemovalFleet f = fleet;
    f.mutations.add("add " + a.name() + " (" + f.members.size() + " members before)");
    f.nodes.put(a.name(), new ObservedNode(a.name(), a.address(), a.roles(), a.podCidr()));
    f.members.put(
        "a7", new FakeRemovalFleet.Member("a7", a.name(), "https://" + a.address() + ":2380"));
    f.etcdServers.put(a.name(), new ArrayList<>(List.of("https://127.0.0.1:2379")));
    f.kubeadmFiles.put(a.name(), List.of("/etc/kubernetes/kubelet.conf"));
    Set<String> routes = ConcurrentHashMap.newKeySet();
    for (NodeSpec n : r.cluster().nodes()) {
      ObservedNode o = f.nodes.get(n.name());
      if (!n.name().equals(a.name()) && o != null) {
        routes.add(o.podCidr() + " via " + n.address());
        f.routes
            .computeIfAbsent(n.name(), k -> ConcurrentHashMap.newKeySet())
            .add(a.podCidr() + " via " + a.address());
      }
    }
    f.routes.put(a.name(), routes);
    return new ExpansionResult(
        r.operationId(),
        OperationOutcome.COMPLETED,
        "expanded by 1 node(s)",
        new ExpansionResult.StepCounts(1, 0, 0, 0),
        List.of(),
        0);
  }

  @Override
  public ExpansionProgress progress() {
    return null;
  }

  @Override
  public void childAttention(ChildAttention attention) {}
}
