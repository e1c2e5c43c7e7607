package dev.graft.workflows.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.model.NodeSpec;
import dev.graft.workflows.model.Role;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.NodeAddition;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the expansion hands its children and activities, derived from one request. */
class ExpansionInputsTest {
  private static final OperationRequest REQUEST =
      ExpansionFixtures.request(
          "r1", ExpansionFixtures.cluster(2, 3), ExpansionFixtures.options(5, false, false, false));

  @Test
  void aNodeWithAUniqueNameIsGivenNoOtherHostnamesToCompareWith() {
    ExpansionInputs in = new ExpansionInputs(REQUEST);
    for (NodeSpec n : in.newNodes()) {
      assertEquals(List.of(), in.precheck(n).otherHostnames(), n.name());
      assertEquals(List.of(), in.join(n).otherHostnames(), n.name());
    }
  }

  @Test
  void aNewNodeNamedLikeAnExistingOneIsGivenThatNameSoItsPrecheckFails() {
    // A hand-made plan that adds node2, which the cluster already has.
    ExpansionPlan plan = REQUEST.plan();
    List<NodeAddition> additions = new ArrayList<>(plan.additions());
    additions.add(new NodeAddition("node2", "10.0.0.3", List.of(Role.WORKER), null, true));
    ExpansionPlan clash =
        new ExpansionPlan(
            plan.clusterName(),
            plan.existingNodes(),
            additions,
            plan.phases(),
            plan.etcdMembersBefore(),
            plan.etcdMembersAfter(),
            plan.warnings(),
            plan.refusals(),
            plan.notes());
    ExpansionInputs in =
        new ExpansionInputs(
            new OperationRequest(
                "expand", "r1", "alice", REQUEST.cluster(), clash, REQUEST.options()));

    assertEquals(List.of("node2"), in.precheck(in.node("node2")).otherHostnames());
    assertEquals(List.of(), in.precheck(in.node("node3")).otherHostnames());
  }

  @Test
  void aNameListedTwiceInTheInventoryIsACollision() {
    ClusterSpec cluster = REQUEST.cluster();
    List<NodeSpec> nodes = new ArrayList<>(cluster.nodes());
    nodes.add(ExpansionFixtures.node(5, Role.WORKER));
    ExpansionInputs in =
        new ExpansionInputs(
            new OperationRequest(
                "expand",
                "r1",
                "alice",
                cluster.withNodes(nodes),
                REQUEST.plan(),
                REQUEST.options()));

    assertEquals(List.of("node5"), in.precheck(in.node("node5")).otherHostnames());
    assertEquals(List.of(), in.precheck(in.node("node4")).otherHostnames());
  }

  @Test
  void aNodesPrecheckAndJoinInputsDoNotGrowWithTheCluster() {
    var converter = DefaultDataConverter.newDefaultInstance();
    ClusterSpec big = ExpansionFixtures.cluster(2, 300);
    ExpansionInputs small = new ExpansionInputs(REQUEST);
    ExpansionInputs large =
        new ExpansionInputs(
            ExpansionFixtures.request(
                "r2", big, ExpansionFixtures.options(5, false, false, false)));
    NodeSpec n = small.node("node5");
    long smallBytes =
        converter.toPayload(small.precheck(n)).orElseThrow().getSerializedSize()
            + converter.toPayload(small.join(n)).orElseThrow().getSerializedSize();
    long largeBytes =
        converter.toPayload(large.precheck(large.node("node5"))).orElseThrow().getSerializedSize()
            + converter
                .toPayload(large.join(large.node("node5")))
                .orElseThrow()
                .getSerializedSize();
    assertTrue(
        largeBytes <= smallBytes + 64, smallBytes + " bytes at 7 nodes, " + largeBytes + " at 304");
  }
}
