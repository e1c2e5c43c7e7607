package dev.graft.workflows.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The quorum gate as decision tables. Members are written one token each, member i named m{i} with
 * peer URL https://10.0.0.{i}:2380: {@code V} healthy voter (m1 leads), {@code D} voter whose
 * status does not answer, {@code L} started learner, {@code U} added but never started, {@code A}
 * voter with a NOSPACE alarm, {@code E} voter whose endpoint read fails, {@code N} voter that sees
 * no leader. The new member is always https://10.0.0.9:2380 unless a row says otherwise.
 */
class QuorumGateTest {
  static final String NEW = "https://10.0.0.9:2380";

  static EtcdClusterStatus cluster(String spec) {
    List<EtcdMemberStatus> members = new ArrayList<>();
    String[] tokens = spec.isBlank() ? new String[0] : spec.trim().split("\\s+");
    for (int i = 0; i < tokens.length; i++) {
      members.add(member(i + 1, tokens[i]));
    }
    return new EtcdClusterStatus(members, tokens.length > 0 ? "1" : null);
  }

  static EtcdMemberStatus member(int i, String t) {
    String id = Integer.toHexString(i);
    String peer = "https://10.0.0." + i + ":2380";
    String client = "https://10.0.0." + i + ":2379";
    return switch (t) {
      case "V" ->
          new EtcdMemberStatus(
              id,
              "m" + i,
              List.of(peer),
              List.of(client),
              false,
              true,
              "1",
              100,
              2,
              0,
              "3.4.23",
              null,
              null,
              true,
              null);
      case "D" ->
          new EtcdMemberStatus(
              id,
              "m" + i,
              List.of(peer),
              List.of(client),
              false,
              false,
              null,
              0,
              0,
              0,
              null,
              null,
              null,
              false,
              "no answer within 3000 ms");
      case "L" ->
          new EtcdMemberStatus(
              id,
              "m" + i,
              List.of(peer),
              List.of(client),
              true,
              true,
              "1",
              100,
              2,
              0,
              "3.4.23",
              null,
              null,
              null,
              null);
      case "U" ->
          new EtcdMemberStatus(
              id,
              "",
              List.of(peer),
              List.of(),
              false,
              false,
              null,
              0,
              0,
              0,
              null,
              null,
              null,
              null,
              null);
      case "UL" ->
          new EtcdMemberStatus(
              id,
              "",
              List.of(peer),
              List.of(),
              true,
              false,
              null,
              0,
              0,
              0,
              null,
              null,
              null,
              null,
              null);
      case "A" ->
          new EtcdMemberStatus(
              id,
              "m" + i,
              List.of(peer),
              List.of(client),
              false,
              true,
              "1",
              100,
              2,
              0,
              "3.4.23",
              List.of("NOSPACE"),
              null,
              true,
              null);
      case "E" ->
          new EtcdMemberStatus(
              id,
              "m" + i,
              List.of(peer),
              List.of(client),
              false,
              true,
              "1",
              100,
              2,
              0,
              "3.4.23",
              null,
              null,
              false,
              "context deadline exceeded");
      case "N" ->
          new EtcdMemberStatus(
              id,
              "m" + i,
              List.of(peer),
              List.of(client),
              false,
              true,
              null,
              100,
              2,
              0,
              "3.4.23",
              null,
              null,
              true,
              null);
      default -> throw new IllegalArgumentException(t);
    };
  }

  @ParameterizedTest(name = "[{index}] members [{0}] growing to {1} (even allowed: {2}) -> {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      # members  | target | even ok | verdict | the message contains
      V          | 3      | false   | pass    | accepted because the cluster has one member and grows to 3
      V          | 2      | false   | refuse  | the target size 2 is even
      V          | 2      | true    | refuse  | with 2 voters the quorum is 2, and if https://10.0.0.9:2380 never comes up only 1 healthy voter remain
      V V        | 3      | false   | pass    | 2 -> 3 voters, quorum 2, 2 healthy if the new member never comes up
      V V V      | 4      | false   | refuse  | the target size 4 is even
      V V V      | 4      | true    | pass    | (allowed by the request)
      V V V      | 5      | false   | pass    | 3 -> 4 voters, quorum 3
      V D V      | 5      | false   | refuse  | member m2 (https://10.0.0.2:2380) is unhealthy: status did not answer: no answer within 3000 ms
      V V L      | 5      | false   | refuse  | learner m3 (https://10.0.0.3:2380) is present
      V UL       | 3      | false   | refuse  | learner unstarted member 2 (https://10.0.0.2:2380) is present
      V U        | 3      | false   | refuse  | member unstarted member 2 (https://10.0.0.2:2380) is unhealthy: never started
      V V A      | 5      | false   | refuse  | member m3 (https://10.0.0.3:2380) is unhealthy: alarm NOSPACE
      V E V      | 5      | false   | refuse  | member m2 (https://10.0.0.2:2380) is unhealthy: endpoint https://10.0.0.2:2379 failed a read
      N N N      | 5      | false   | refuse  | no member sees a leader
      D D V      | 5      | false   | refuse  | only 1 healthy voter remain
                 | 1      | false   | refuse  | etcd lists no member
      """)
  void decides(String members, int target, boolean evenOk, String verdict, String fragment) {
    QuorumGate.Verdict v =
        QuorumGate.evaluate(
            cluster(members == null ? "" : members), new QuorumGate.Change(NEW, target, evenOk));
    assertEquals(verdict.equals("pass"), v.allowed(), v.message());
    assertTrue(v.message().contains(fragment), "expected «" + fragment + "» in: " + v.message());
    assertFalse(v.alreadyMember());
  }

  @Test
  void aNewMemberThatIsAlreadyAHealthyVoterIsAlreadyDoneWhateverElseIsTrue() {
    QuorumGate.Verdict v =
        QuorumGate.evaluate(
            cluster("V V"), new QuorumGate.Change("https://10.0.0.2:2380", 4, false));
    assertTrue(v.allowed());
    assertTrue(v.alreadyMember());
  }

  @Test
  void theNewMemberLeftAsALearnerByAnEarlierAttemptIsRefusedAndNamedAsSuch() {
    QuorumGate.Verdict v =
        QuorumGate.evaluate(
            cluster("V L"), new QuorumGate.Change("https://10.0.0.2:2380", 3, false));
    assertFalse(v.allowed());
    assertTrue(
        v.message().contains("the member being added, left by an earlier attempt"), v.message());
  }

  @Test
  void everyRefusalIsListedNotOnlyTheFirst() {
    // unhealthy m2, learner m3, no quorum if the new member fails, even target: four reasons.
    QuorumGate.Verdict v =
        QuorumGate.evaluate(cluster("V D L V"), new QuorumGate.Change(NEW, 4, false));
    assertEquals(4, v.refusals().size(), v.refusals().toString());
  }

  @ParameterizedTest(name = "[{index}] members [{0}], owned {1} -> remove [{2}]")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      # members | owned member numbers | removable member numbers
      V L       | 2                    | 2
      V L       | 3                    | ''
      V UL      | 2                    | 2
      V U       | 2                    | ''
      V V V D   | 4                    | 4
      V V D D   | 3 4                  | ''
      V V V V   | 4                    | ''
      V V L D   | 3 4                  | 3 4
      """)
  void staleOwnedMembersAreRemovedOnlyWhenTheyAreOursAndQuorumCanCommitIt(
      String members, String owned, String expected) {
    Set<String> peers = new java.util.HashSet<>();
    for (String n : owned.trim().split("\\s+")) {
      peers.add("https://10.0.0." + n + ":2380");
    }
    List<String> removable =
        QuorumGate.staleOwned(cluster(members), peers).stream().map(EtcdMemberStatus::id).toList();
    List<String> want = expected.isBlank() ? List.of() : List.of(expected.trim().split("\\s+"));
    assertEquals(want, removable);
  }

  /** The member being removed is the last token of each row (peer URL https://10.0.0.{n}:2380). */
  @ParameterizedTest(name = "[{index}] remove the last of {0}: {1}")
  @CsvSource({
    "V V L,     true,  learner",
    "V UL,      true,  learner",
    "V V V V,   true,  voter",
    "V V V D,   true,  voter",
    "V V V,     true,  voter",
    "V V D L,   true,  learner",
    "V D D L,   false, cannot commit",
    "V V D D V, false, below the quorum",
    "V,         false, only voter",
  })
  void aHalfJoinedMemberIsRemovedOnlyWhenEtcdKeepsQuorum(String spec, boolean allowed, String why) {
    EtcdClusterStatus s = cluster(spec);
    String peer = "https://10.0.0." + spec.trim().split("\\s+").length + ":2380";
    QuorumGate.Removal r = QuorumGate.removal(s, peer);
    assertEquals(allowed, r.allowed(), r.reason());
    assertTrue(r.reason().contains(why), r.reason());
  }

  @Test
  void aPeerUrlThatIsNoMemberHasNothingToRemove() {
    QuorumGate.Removal r = QuorumGate.removal(cluster("V V"), NEW);
    assertFalse(r.allowed());
    assertEquals(null, r.member());
  }
}
