package dev.graft.server.resources;

import dev.graft.server.auth.Role;
import dev.graft.server.temporal.TemporalConnection;
import dev.graft.workflows.diag.PingRequest;
import dev.graft.workflows.diag.PingResult;
import dev.graft.workflows.diag.PingWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /api/v1/diagnostics/ping}: runs the diagnostic workflow end to end (server → Temporal
 * → worker → back) and reports how long it took.
 */
@Path("/v1/diagnostics")
@RolesAllowed(Role.OPERATOR_NAME)
@Produces(MediaType.APPLICATION_JSON)
public class DiagnosticsResource {
  private final TemporalConnection temporal;

  public DiagnosticsResource(TemporalConnection temporal) {
    this.temporal = temporal;
  }

  @POST
  @Path("/ping")
  public Map<String, Object> ping() {
    WorkflowClient client = temporal.client();
    String id = "diagnostics/ping/" + UUID.randomUUID();
    PingWorkflow workflow =
        client.newWorkflowStub(
            PingWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(temporal.settings().getTaskQueue())
                .setWorkflowId(id)
                .setWorkflowExecutionTimeout(Duration.ofSeconds(30))
                .build());
    long start = System.nanoTime();
    try {
      PingResult result = workflow.ping(new PingRequest("ping"));
      return Map.of(
          "workflowId", result.workflowId(),
          "worker", result.workerIdentity(),
          "roundTripMillis", (System.nanoTime() - start) / 1_000_000);
    } catch (RuntimeException e) {
      throw new WebApplicationException(
          Response.status(Response.Status.SERVICE_UNAVAILABLE)
              .type(MediaType.APPLICATION_JSON)
              .entity(
                  Map.of(
                      "error",
                      "diagnostic workflow did not complete: " + e.getMessage(),
                      "hint",
                      "check /healthcheck on the admin port: is a worker polling?"))
              .build());
    }
  }
}
