package dev.graft.workflows.expand;

import dev.graft.workflows.step.ExecutionPolicy;
import java.util.Map;

/**
 * How one expansion runs.
 *
 * @param requireApproval park before the first phase that changes the cluster until an operator
 *     approves
 * @param approveEachControlPlane also park before each control-plane node (implies nothing without
 *     {@code requireApproval})
 * @param maxParallel workers joining at once (default 5)
 * @param excludeFailedPrechecks go on without the nodes whose pre-checks failed, instead of
 *     stopping the run before the cluster changes
 * @param verifyTargets per node, the address in its pod CIDR that routing verification pings (the
 *     lab's test pods); may be empty
 * @param policy retries, timeouts and pre-check thresholds for every step
 */
public record ExpansionOptions(
    boolean requireApproval,
    boolean approveEachControlPlane,
    int maxParallel,
    boolean excludeFailedPrechecks,
    Map<String, String> verifyTargets,
    ExecutionPolicy policy) {
  public static final int DEFAULT_MAX_PARALLEL = 5;
  public static final ExpansionOptions DEFAULTS =
      new ExpansionOptions(false, false, 0, false, null, null);

  public ExpansionOptions {
    maxParallel = maxParallel <= 0 ? DEFAULT_MAX_PARALLEL : maxParallel;
    verifyTargets = verifyTargets == null ? Map.of() : Map.copyOf(verifyTargets);
    policy = policy == null ? ExecutionPolicy.DEFAULTS : policy;
  }

  /** The same options with another execution policy. */
  public ExpansionOptions withPolicy(ExecutionPolicy p) {
    return new ExpansionOptions(
        requireApproval,
        approveEachControlPlane,
        maxParallel,
        excludeFailedPrechecks,
        verifyTargets,
        p);
  }
}
