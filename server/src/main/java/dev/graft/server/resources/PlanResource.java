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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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
 */
@Path("/v1/plans")
@jakarta.annotation.security.RolesAllowed(dev.graft.server.auth.Role.VIEWER_NAME)
@Produces(MediaType.APPLICATION_JSON)
public class PlanResource {
  static final int MAX_BODY = 4 * 1024 * 1024;
  private final HostResolver resolver;

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
      @QueryParam("checkFiles") @DefaultValue("true") boolean checkFiles) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
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
