package dev.graft.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.workflows.plan.PlanMessage;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.RemovalQuorum;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replacement that removes a dead member first and then adds NEW ends with one voter more than
 * the removal alone: its plan speaks of that count (RemoveLabTest's 202 answer said "etcd ends with
 * 2 voters … add one" for a dead member of 3 replaced, which ends with 3).
 */
class ReplacementEvenCountTest {
  private static RemovalPlan removing(int voters, String dead) {
    List<RemovalQuorum.Voter> v = new ArrayList<>();
    for (int i = 1; i <= voters; i++) {
      v.add(new RemovalQuorum.Voter("a" + i, "n" + i, !("n" + i).equals(dead), false));
    }
    RemovalQuorum.Projection p =
        RemovalQuorum.one(
            v, v.stream().filter(x -> x.name().equals(dead)).findFirst().orElseThrow());
    assertTrue(p.allowed(), p.message());
    List<PlanMessage> warnings =
        new ArrayList<>(List.of(new PlanMessage("RemoveUnhealthyMember", dead, p.message())));
    if (p.votersAfter() % 2 == 0) {
      warnings.add(
          new PlanMessage(
              "EtcdEvenMemberCount", null, "etcd ends with " + p.votersAfter() + " voters"));
    }
    return new RemovalPlan(
        "c",
        List.of(),
        List.of(),
        List.of(p),
        null,
        List.of(),
        true,
        false,
        null,
        warnings,
        List.of());
  }

  private static List<String> codes(RemovalPlan plan) {
    return plan.warnings().stream().map(PlanMessage::code).toList();
  }

  @Test
  void aDeadMemberOfThreeReplacedEndsWithThreeVotersSoNoEvenCountWarning() {
    RemovalPlan plan = RemoveRequests.endsWithNew(removing(3, "n2"), "n4");
    assertEquals(List.of("RemoveUnhealthyMember"), codes(plan));
  }

  @Test
  void aDeadMemberOfFourReplacedEndsWithFourVotersAndSaysSo() {
    RemovalPlan plan = RemoveRequests.endsWithNew(removing(4, "n2"), "n5");
    assertEquals(List.of("RemoveUnhealthyMember", "EtcdEvenMemberCount"), codes(plan));
    assertTrue(
        plan.warnings().get(1).message().startsWith("etcd ends with 4 voters once n5 has joined"),
        plan.warnings().get(1).message());
  }
}
