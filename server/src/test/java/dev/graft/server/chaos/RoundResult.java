package dev.graft.server.chaos;

import java.util.List;

/**
 * What one round measured. {@code wallMillis}: submission to the operation's end, from the audit
 * trail. {@code interventions}: the operator retries the round needed (goal: none). {@code
 * duplicates}: repeats of mutating commands, summed over hosts (goal: none).
 */
record RoundResult(
    String name,
    long submittedAtMillis,
    List<String> controlPlanes,
    List<String> faults,
    String state,
    long wallMillis,
    List<String> interventions,
    int duplicates,
    List<String> duplicateDetail,
    List<Takeovers.Takeover> takeovers,
    int kills,
    List<RoundContext.Injection> injections,
    List<String> problems) {

  boolean completed() {
    return "done".equals(state) && problems.isEmpty();
  }
}
