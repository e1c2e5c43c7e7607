package dev.graft.workflows.routing;

import dev.graft.workflows.step.ChildResult;
import dev.graft.workflows.step.OperationOutcome;
import dev.graft.workflows.step.StepView;
import java.util.List;

/**
 * How routing ended.
 *
 * @param mode "routed" (Graft programmed the routes) or "cni:calico" / "cni:flannel" / "cni:cilium"
 *     (a CNI manages routes; Graft skipped route programming); null when aborted before detection
 * @param podCidrs every Node with its pod CIDR
 * @param matrix the reachability matrix, one cell per ordered pair of routed nodes (empty when
 *     verification did not run); above {@code RoutingWorkflowImpl.MATRIX_LIMIT} cells (about 50
 *     nodes) only the unreachable pairs, with the counts in {@code note}, to stay within Temporal's
 *     payload limit
 */
public record RoutingResult(
    String cluster,
    OperationOutcome outcome,
    String mode,
    String note,
    List<NodePodCidr> podCidrs,
    List<PairResult> matrix,
    List<StepView> steps)
    implements ChildResult {}
