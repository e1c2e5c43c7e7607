package dev.graft.workflows.expand;

import dev.graft.workflows.model.ClusterSpec;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.RemovalPlan;
import dev.graft.workflows.plan.UpgradePlan;

/**
 * An operation as submitted to a cluster: what to do, on which desired cluster, after which plan.
 * Holds references (paths) only, never secrets. The plan was computed by the server before the
 * submission (a refused plan is never submitted). The plan is carried without its routing steps'
 * route lists ({@link ExpansionPlan#withoutRoutes()}): at hundreds of nodes they alone exceed
 * Temporal's payload limit, and the routing workflow computes the routes itself.
 *
 * @param kind "expand", "upgrade" or "remove"
 * @param requestId the client's idempotency key: the same requestId is the same operation
 * @param requestedBy the authenticated user the server resolved
 * @param archiveAudit whether the cluster workflow archives the operation's audit trail when it
 *     ends (the server sets it when {@code audit.archiveDir} is configured; absent in requests
 *     recorded before, which therefore replay unchanged)
 * @param removal a removal's plan (kind "remove"), else null
 */
public record OperationRequest(
    String kind,
    String requestId,
    String requestedBy,
    ClusterSpec cluster,
    ExpansionPlan plan,
    ExpansionOptions options,
    UpgradePlan upgrade,
    RemovalPlan removal,
    boolean archiveAudit) {
  public OperationRequest {
    options = options == null ? ExpansionOptions.DEFAULTS : options;
    plan = plan == null ? null : plan.withoutRoutes();
  }

  /** An expansion or an upgrade (no removal plan), its audit trail not archived. */
  public OperationRequest(
      String kind,
      String requestId,
      String requestedBy,
      ClusterSpec cluster,
      ExpansionPlan plan,
      ExpansionOptions options,
      UpgradePlan upgrade) {
    this(kind, requestId, requestedBy, cluster, plan, options, upgrade, null, false);
  }

  /** A request with a removal plan (kind "remove"), its audit trail not archived. */
  public OperationRequest(
      String kind,
      String requestId,
      String requestedBy,
      ClusterSpec cluster,
      ExpansionPlan plan,
      ExpansionOptions options,
      UpgradePlan upgrade,
      RemovalPlan removal) {
    this(kind, requestId, requestedBy, cluster, plan, options, upgrade, removal, false);
  }

  /** An expansion (no upgrade plan). */
  public OperationRequest(
      String kind,
      String requestId,
      String requestedBy,
      ClusterSpec cluster,
      ExpansionPlan plan,
      ExpansionOptions options) {
    this(kind, requestId, requestedBy, cluster, plan, options, null);
  }

  /** The same request with other options (the workflow sets who retries failed steps). */
  public OperationRequest withOptions(ExpansionOptions o) {
    return new OperationRequest(
        kind, requestId, requestedBy, cluster, plan, o, upgrade, removal, archiveAudit);
  }

  /** The same request, its audit trail archived when it ends (or not). */
  public OperationRequest withArchiveAudit(boolean archive) {
    return new OperationRequest(
        kind, requestId, requestedBy, cluster, plan, options, upgrade, removal, archive);
  }

  /** {@code cluster/<cluster>/<kind>/<requestId>}: the operation's workflow id. */
  public String operationId() {
    return operationId(cluster.name(), kind, requestId);
  }

  public static String operationId(String cluster, String kind, String requestId) {
    return clusterWorkflowId(cluster) + "/" + kind + "/" + requestId;
  }

  /**
   * The id of the cluster workflow ({@code cluster/<name>}), under which its operations are named.
   */
  public static String clusterWorkflowId(String cluster) {
    return "cluster/" + cluster;
  }
}
