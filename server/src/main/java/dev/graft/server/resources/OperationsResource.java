package dev.graft.server.resources;

import com.codahale.metrics.annotation.ExceptionMetered;
import com.codahale.metrics.annotation.Timed;
import dev.graft.server.api.ApiProblem;
import dev.graft.server.auth.Role;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.operations.AuditTrail;
import dev.graft.server.operations.OperationReader;
import dev.graft.server.operations.OperationSubmitter;
import dev.graft.server.operations.OperationView;
import dev.graft.server.operations.OperatorDecisions;
import dev.graft.workflows.step.Decision;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /api/v1/operations}: submit an expansion or an upgrade, list operations, read one with
 * every node's steps, read its audit trail, and decide (approve, retry, skip, abort).
 *
 * <p>Operation ids contain slashes ({@code cluster/prod/expand/r1}); they appear in paths as they
 * are, unencoded ({@code /api/v1/operations/cluster/prod/expand/r1/history}): the id has exactly
 * four segments, so the path is unambiguous, and an encoded {@code %2F} is something Jetty refuses
 * as an ambiguous path separator.
 */
@Path("/v1/operations")
@Produces(MediaType.APPLICATION_JSON)
public class OperationsResource {
  /** The shape of an operation id in a path: cluster/<name>/<kind>/<requestId>. */
  static final String ID = "{id: cluster/[^/]+/[^/]+/[^/]+}";

  private final OperationSubmitter submitter;
  private final OperationReader reader;
  private final AuditTrail audit;
  private final OperatorDecisions decisions;

  public OperationsResource(
      OperationSubmitter submitter,
      OperationReader reader,
      AuditTrail audit,
      OperatorDecisions decisions) {
    this.submitter = submitter;
    this.reader = reader;
    this.audit = audit;
    this.decisions = decisions;
  }

  /** 202 with Location; a requestId seen before answers the same id and starts nothing. */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @RolesAllowed(Role.OPERATOR_NAME)
  @Timed
  @ExceptionMetered
  public Response submit(String body, @Context SecurityContext security) {
    OperationSubmitter.Submitted s;
    try {
      s = submitter.submit(body, security.getUserPrincipal().getName());
    } catch (InventoryException e) {
      throw ApiProblem.of(400, e.getMessage(), e.errors(), Map.of());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", s.id());
    out.put("cluster", s.cluster());
    out.put("requestId", s.requestId());
    out.put("existing", s.existing());
    out.put("location", location(s.id()).toString());
    out.put(
        "plan", s.plan() == null ? null : s.plan().withoutRoutes()); // as the operation stores it
    if (s.upgrade() != null) {
      out.put("upgrade", s.upgrade());
    }
    if (s.removal() != null) {
      out.put("removal", s.removal());
    }
    return Response.accepted(out).location(location(s.id())).build();
  }

  static URI location(String id) {
    return URI.create("/api/v1/operations/" + id);
  }

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  @Timed
  public Map<String, Object> list(@QueryParam("cluster") String cluster) {
    return reader.list(cluster);
  }

  @GET
  @Path(ID)
  @RolesAllowed(Role.VIEWER_NAME)
  @Timed
  public OperationView get(@PathParam("id") String id) {
    return reader.detail(id);
  }

  @GET
  @Path(ID + "/history")
  @RolesAllowed(Role.VIEWER_NAME)
  @Timed
  public Map<String, Object> history(@PathParam("id") String id) {
    return audit.history(id);
  }

  @POST
  @Path(ID + "/{action: approve|retry|skip|abort}")
  @RolesAllowed(Role.OPERATOR_NAME)
  @Timed
  @ExceptionMetered
  public Response decide(
      @PathParam("id") String id,
      @PathParam("action") String action,
      @QueryParam("node") String node,
      @QueryParam("stepId") String stepId,
      @QueryParam("step") String step,
      @QueryParam("reason") String reason,
      @Context SecurityContext security) {
    OperatorDecisions.Sent sent =
        decisions.decide(
            id,
            Decision.parse(action),
            node,
            stepId != null ? stepId : step,
            reason,
            security.getUserPrincipal().getName());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", sent.operationId());
    out.put("workflowId", sent.workflowId());
    out.put("action", sent.action());
    return Response.ok(out).build();
  }
}
