package dev.graft.server.resources;

import dev.graft.server.inventory.DnsHostResolver;
import dev.graft.server.inventory.HostResolver;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.Inventories;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.InventoryFormat;
import dev.graft.server.inventory.InventoryPlanner;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.auth.Role;
import dev.graft.server.operations.ApiProblem;
import dev.graft.server.operations.ExistingCluster;
import dev.graft.server.operations.ExpandRequest;
import dev.graft.server.operations.OperationSubmitter;
import dev.graft.server.operations.UpgradeRequests;
import dev.graft.workflows.plan.AssumedState;
import dev.graft.workflows.plan.ExpansionPlan;
import dev.graft.workflows.plan.PlanOptions;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /api/v1/plans}: the inventory is the body ({@code text/plain} = kubespray INI,
 * {@code application/yaml} = Graft YAML, kubespray YAML or MetalK8s Nodes, told apart by content;
 * {@code application/json} = Graft JSON). Returns the plan (200, even when it is refused: the
 * plan says why in {@code refusals}); an invalid inventory is 400 with every error positioned.
 * Query parameters: {@code assumeEmpty} (default true, the only mode for now), {@code
 * maxParallel} (default 5), {@code checkFiles} (default true: SSH key and known_hosts files must
 * exist on this machine).
 *
 * <p>An upgrade's plan: {@code application/json} with the body {@code POST /api/v1/operations}
 * takes for an upgrade ({@code inventory}, {@code kubeconfig}, {@code upgrade: {to,
 * maxUnavailable, drainTimeout}}; {@code kind} and {@code requestId} may be left out). The
 * server reads the cluster through that kubeconfig, so this needs the operator role; it answers
 * the upgrade plan (200, refused or not), a 400 naming a bad field, 422 when the cluster cannot
 * be read.
 */
@Path("/v1/plans")
@jakarta.annotation.security.RolesAllowed(dev.graft.server.auth.Role.VIEWER_NAME)
@Produces(MediaType.APPLICATION_JSON)
public class PlanResource {
  static final int MAX_BODY = 4 * 1024 * 1024;
  private final HostResolver resolver;
  private final ExistingCluster existing = new ExistingCluster(Duration.ofSeconds(10));
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  public PlanResource() {
    this(new DnsHostResolver(Duration.ofSeconds(2)));
  }

  public PlanResource(HostResolver resolver) {
    this.resolver = resolver;
  }

  @POST
  @Consumes({MediaType.TEXT_PLAIN, "application/yaml", "application/x-yaml", "text/yaml",
      MediaType.APPLICATION_JSON})
  public Response plan(String body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
      @QueryParam("assumeEmpty") @DefaultValue("true") boolean assumeEmpty,
      @QueryParam("maxParallel") @DefaultValue("5") int maxParallel,
      @QueryParam("checkFiles") @DefaultValue("true") boolean checkFiles,
      @Context SecurityContext security) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    if (type.startsWith("application/json") && isUpgrade(body)) {
      return upgrade(body, checkFiles, security);
    }
    String file = type.startsWith("text/plain") ? "inventory.ini"
        : type.startsWith("application/json") ? "inventory.json" : "inventory.yaml";
    if (body == null || body.isBlank()) {
      return bad(file, "the request body is empty; send the inventory", null);
    }
    if (body.length() > MAX_BODY) {
      return bad(file, "the inventory is larger than 4 MiB", null);
    }
    if (maxParallel < 1) {
      return bad(file, "maxParallel must be at least 1", "maxParallel");
    }
    if (!assumeEmpty) {
      // Reading the live cluster needs credentials the API does not take yet; say so plainly
      // instead of planning against nothing.
      return bad(file, "only assumeEmpty=true is supported over REST for now; use `graft plan"
          + " --observed FILE` or `--kubeconfig FILE` for real observed state", "assumeEmpty");
    }
    try {
      InventoryFormat format = file.endsWith(".ini") ? InventoryFormat.KUBESPRAY_INI
          : file.endsWith(".json") ? InventoryFormat.GRAFT_YAML : null;
      ImportedInventory inv = Inventories.importText(file, body, format, null);
      // Key files are checked on this machine, right for `graft dev` where the worker shares
      // it; a server whose workers run elsewhere passes checkFiles=false.
      InventoryPlanner planner = new InventoryPlanner(new InventoryValidator(resolver,
          checkFiles));
      ExpansionPlan plan = planner.plan(inv, AssumedState.bootstrapOnly(inv.cluster()),
          new PlanOptions(maxParallel));
      return Response.ok(plan).build();
    } catch (InventoryException e) {
      return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
          .entity(errorBody(e.getMessage(), e.errors())).build();
    }
  }

  /** Whether a JSON body is an upgrade's request (it has an {@code upgrade} section). */
  private static boolean isUpgrade(String body) {
    if (body == null || body.length() > MAX_BODY) {
      return false;
    }
    try {
      com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(body);
      return n != null && n.isObject() && n.has("upgrade");
    } catch (java.io.IOException notJson) {
      return false; // the inventory path below says what is wrong with it
    }
  }

  private Response upgrade(String body, boolean checkFiles, SecurityContext security) {
    if (security == null || !security.isUserInRole(Role.OPERATOR_NAME)) {
      throw new jakarta.ws.rs.ForbiddenException("an upgrade plan reads the cluster through a"
          + " kubeconfig on the server: it needs the operator role");
    }
    ExpandRequest req = OperationSubmitter.parse(body);
    if (req.kind() != null && !"upgrade".equals(req.kind())) {
      throw ApiProblem.field("kind", "an upgrade plan's kind is \"upgrade\" (or left out)");
    }
    try {
      UpgradeRequests.Planned planned = new UpgradeRequests(existing,
          new InventoryValidator(resolver, checkFiles)).plan(req);
      return Response.ok(planned.plan()).build();
    } catch (InventoryException e) {
      return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
          .entity(errorBody(e.getMessage(), e.errors())).build();
    }
  }

  private static Response bad(String file, String message, String field) {
    return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
        .entity(errorBody(message, List.of(new InventoryError(file, 0, field, message))))
        .build();
  }

  static Map<String, Object> errorBody(String summary, List<InventoryError> errors) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", summary);
    out.put("errors", errors);
    return out;
  }
}
