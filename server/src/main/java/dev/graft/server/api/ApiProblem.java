package dev.graft.server.api;

import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.workflows.plan.PlanMessage;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request the API refuses, with a JSON body that says why: {@code error} (one line), {@code
 * errors} (each positioned: file, line, field, message) and any extra fields (a refused plan's
 * {@code refusals}, the {@code next} commands to run).
 */
public final class ApiProblem extends WebApplicationException {
  private static final long serialVersionUID = 1L;

  private ApiProblem(int status, Map<String, Object> body) {
    super(
        String.valueOf(body.get("error")),
        Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build());
  }

  public static ApiProblem of(int status, String message) {
    return of(status, message, List.of(), Map.of());
  }

  /** A request field is wrong: 400 naming the field. */
  public static ApiProblem field(String field, String message) {
    return of(
        400,
        "field " + field + ": " + message,
        List.of(new InventoryError("request", 0, field, message)),
        Map.of());
  }

  /** An invalid inventory: 400 with every problem positioned (file, line, field). */
  public static ApiProblem of(InventoryException e) {
    return of(400, e.getMessage(), e.errors(), Map.of());
  }

  /**
   * A planning failure (a {@code PlanningException}'s field and message; planning sits below this
   * class, which its file checks throw): 400 naming the request field, or 422 when there is none
   * because the cluster could not be read.
   */
  /**
   * A refused plan: 422 naming the first refusal (and how many more), with every refusal and the
   * plan itself under {@code planKey} ("plan", "upgrade", "removal").
   *
   * @param what what is refused, e.g. "the upgrade"
   */
  public static ApiProblem refused(
      String what, List<PlanMessage> refusals, String planKey, Object plan) {
    return of(
        422,
        what
            + " is refused: "
            + refusals.get(0)
            + (refusals.size() > 1 ? " (and " + (refusals.size() - 1) + " more)" : "")
            + "; nothing was started",
        List.of(),
        Map.of("refusals", refusals, planKey, plan));
  }

  public static ApiProblem planning(String field, String message) {
    return field != null ? field(field, message) : of(422, message);
  }

  public static ApiProblem of(
      int status, String message, List<InventoryError> errors, Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("errors", errors);
    body.putAll(extra);
    return new ApiProblem(status, body);
  }
}
