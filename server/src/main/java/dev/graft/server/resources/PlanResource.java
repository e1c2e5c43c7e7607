package dev.graft.server.resources;

import dev.graft.server.security.ServerFiles;
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
  /** What an upgrade plan may read (its kubeconfig): the server's allowed roots; null in tests. */
  private final ServerFiles files;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private final java.util.function.Predicate<String> mayLook;

  public PlanResource() {
    this(new DnsHostResolver(Duration.ofSeconds(2)));
  }

  public PlanResource(HostResolver resolver) {
    this(resolver, path -> true);
  }

  /**
   * @param mayLook the key and known_hosts paths an operator's plan may look at on this machine
   *     (the server's allowed roots); a viewer's plan looks at none, so that a read-only token
   *     learns nothing about which files exist
   */
  public PlanResource(HostResolver resolver, java.util.function.Predicate<String> mayLook) {
    this(resolver, mayLook, null);
  }

  /** As the server runs it: plans may look at, and upgrade plans read, files under {@code files}' roots. */
  public PlanResource(HostResolver resolver, ServerFiles files) {
    this(resolver, files::allows, files);
  }

  private PlanResource(HostResolver resolver, java.util.function.Predicate<String> mayLook, ServerFiles files) {
    this.resolver = resolver;
    this.mayLook = mayLook;
    this.files = files;
  }

  @POST
  @Consumes({MediaType.TEXT_PLAIN, "application/yaml", "application/x-yaml", "text/yaml",
      MediaType.APPLICATION_JSON})
  public Response plan(String body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
      @QueryParam("assumeEmpty") String assumeEmptyParam,
      @QueryParam("maxParallel") String maxParallelParam,
      @QueryParam("checkFiles") String checkFilesParam,
      @jakarta.ws.rs.core.Context jakarta.ws.rs.core.SecurityContext security) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    if (type.startsWith("application/json") && isUpgrade(body)) {
      return upgrade(body, !"false".equals(checkFilesParam), security);
    }
    String file = type.startsWith("text/plain") ? "inventory.ini"
        : type.startsWith("application/json") ? "inventory.json" : "inventory.yaml";
    // Parameters are taken as text and checked here: a value Jersey cannot convert would be a
    // 404, and a boolean it does not know would quietly be false.
    Boolean assumeEmpty = bool(assumeEmptyParam, true);
    Boolean checkFiles = bool(checkFilesParam, true);
    Integer maxParallel = maxParallel(maxParallelParam);
    if (assumeEmpty == null) {
      return bad(file, "assumeEmpty must be true or false", "assumeEmpty");
    }
    if (checkFiles == null) {
      return bad(file, "checkFiles must be true or false", "checkFiles");
    }
    if (maxParallel == null) {
      return bad(file, "maxParallel must be a whole number from 1 to 500", "maxParallel");
    }
    if (body == null || body.isBlank()) {
      return bad(file, "the request body is empty; send the inventory", null);
    }
    if (body.length() > MAX_BODY) {
      return bad(file, "the inventory is larger than 4 MiB", null);
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
      boolean operator = security == null || security.getUserPrincipal() == null
          || security.isUserInRole(dev.graft.server.auth.Role.OPERATOR_NAME);
      InventoryPlanner planner = new InventoryPlanner(new InventoryValidator(resolver,
          path -> checkFiles && operator && mayLook.test(path)));
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
          new InventoryValidator(resolver, path -> checkFiles && mayLook.test(path)),
          files == null ? ServerFiles.anywhere() : files).plan(req);
      return Response.ok(planned.plan()).build();
    } catch (InventoryException e) {
      return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
          .entity(errorBody(e.getMessage(), e.errors())).build();
    }
  }

  /** true, false, or absent (the default); anything else is null. */
  private static Boolean bool(String value, boolean dflt) {
    if (value == null) {
      return dflt;
    }
    return "true".equals(value) ? Boolean.TRUE : "false".equals(value) ? Boolean.FALSE : null;
  }

  /** 1 to 500 as operations take it (absent: 5); anything else is null. */
  private static Integer maxParallel(String value) {
    if (value == null) {
      return 5;
    }
    if (!value.matches("[0-9]{1,3}")) {
      return null;
    }
    int n = Integer.parseInt(value);
    return n >= 1 && n <= 500 ? n : null;
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
