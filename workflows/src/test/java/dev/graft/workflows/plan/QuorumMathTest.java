package dev.graft.workflows.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuorumMathTest {
  @ParameterizedTest(name = "{0} members need {1} votes and tolerate {2} failures")
  @CsvSource({"0,0,0", "1,1,0", "2,2,0", "3,2,1", "4,3,1", "5,3,2", "6,4,2", "7,4,3"})
  void quorumAndFaultTolerance(int members, int quorum, int tolerance) {
    assertEquals(quorum, QuorumMath.quorum(members));
    assertEquals(tolerance, QuorumMath.faultTolerance(members));
  }

  @ParameterizedTest(name = "adding to {0} members ({1} healthy) is at risk: {2}")
  @CsvSource({
    "0,0,false", // the first member: there is no quorum to lose
    "1,1,true", // 1 -> 2: quorum 2, the old member alone cannot vote
    "2,2,false",
    "3,3,false",
    "2,1,true", // an unhealthy member turns a safe step into a risky one
    "4,4,false"
  })
  void addingAMemberWarnsWhenItsFailureWouldLoseQuorum(int members, int healthy, boolean risky) {
    QuorumProjection p = QuorumMath.projectAdd(members, healthy);
    assertEquals(members + 1, p.membersAfter());
    assertEquals(risky, p.losesQuorumIfNewMemberFails());
    if (risky) {
      assertNotNull(p.warning());
    } else {
      assertNull(p.warning());
    }
  }
}
