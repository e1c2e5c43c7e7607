package dev.graft.server.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.server.api.ApiProblem;
import dev.graft.server.auth.Role;
import dev.graft.server.inventory.DnsHostResolver;
import dev.graft.server.inventory.HostResolver;
import dev.graft.server.inventory.ImportedInventory;
import dev.graft.server.inventory.InventoryError;
import dev.graft.server.inventory.InventoryException;
import dev.graft.server.inventory.InventoryFormat;
import dev.graft.server.inventory.InventoryValidator;
import dev.graft.server.operations.ExpandRequest;
import dev.graft.server.operations.ExpansionRequests;
import dev.graft.server.operations.OperationSubmitter;
import dev.graft.server.operations.UpgradeRequests;
import dev.graft.server.planning.PlanningException;
import dev.graft.server.planning.PlanningService;
import dev.graft.server.security.ServerFiles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.ForbiddenException;
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
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /api/v1/plans}: what an operation would do, through the same {@link PlanningService}
 * as {@code graft plan} and {@code POST /api/v1/operations}; changes nothing.
 *
 * <ul>
 *   <li>The inventory as the body ({@code text/plain} = kubespray INI, {@code application/yaml} =
 *       Graft YAML, kubespray YAML or MetalK8s Nodes, told apart by content; {@code
 *       application/json} = Graft JSON), planned with nothing but the first control-plane node
 *       (query {@code assumeEmpty}, default and only value true; {@code maxParallel}, default 5;
 *       {@code checkFiles}, default true).
 *   <li>{@code application/json} with the body {@code POST /api/v1/operations} takes ({@code
 *       inventory}, {@code kubeconfig}, {@code ssh}, {@code knownHosts}, {@code options}; {@code
 *       kind} and {@code requestId} may be left out): the expansion's plan from the cluster as it
 *       is, exactly the plan a submit with that body stores. With an {@code upgrade} section, the
 *       upgrade's plan. Reading the cluster needs the operator role.
 * </ul>
 *
 * <p>200 with the plan, refused or not (see {@code refused} and {@code refusals}); 400 naming the
 * file, line and field of every inventory problem or the request field at fault; 422 when the
 * cluster cannot be read.
 */
@Path("/v1/plans")
@RolesAllowed(Role.VIEWER_NAME)
@Produces(MediaType.APPLICATION_JSON)
public class PlanResource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HostResolver resolver;

  /** What a plan may read (its kubeconfig) and look at (key files): the server's allowed roots. */
  private final ServerFiles files;

  private final PlanningService planning;

  public PlanResource() {
    this(new DnsHostResolver(Duration.ofSeconds(2)));
  }

  /** Files anywhere on this machine (tests; the CLI's own view). */
  public PlanResource(HostResolver resolver) {
    this(resolver, ServerFiles.anywhere());
  }

  /** As the server runs it: plans read and look at files under {@code files}' roots only. */
  public PlanResource(HostResolver resolver, ServerFiles files) {
    this(resolver, files, PlanningService.within(files));
  }

  public PlanResource(HostResolver resolver, ServerFiles files, PlanningService planning) {
    this.resolver = resolver;
    this.files = files;
    this.planning = planning;
  }

  @POST
  @Consumes({
    MediaType.TEXT_PLAIN,
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    MediaType.APPLICATION_JSON
  })
  public Response plan(
      String body,
      @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
      @QueryParam("assumeEmpty") String assumeEmptyParam,
      @QueryParam("maxParallel") String maxParallelParam,
      @QueryParam("checkFiles") String checkFilesParam,
      @Context SecurityContext security) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    boolean operator =
        security == null
            || security.getUserPrincipal() == null
            || security.isUserInRole(Role.OPERATOR_NAME);
    String file =
        type.startsWith("text/plain")
            ? "inventory.ini"
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
    try {
      JsonNode request = type.startsWith("application/json") ? operationRequest(body) : null;
      if (request != null && request.has("upgrade")) {
        return upgrade(body, checkFiles, security);
      }
      if (request != null) {
        return expansion(body, maxParallel, checkFiles && operator, security);
      }
      if (!assumeEmpty) {
        return bad(
            file,
            "an inventory body is planned with assumeEmpty=true; to plan from the"
                + " cluster as it is, send the JSON body POST /api/v1/operations takes (inventory,"
                + " kubeconfig) or run `graft plan --kubeconfig FILE`",
            "assumeEmpty");
      }
      InventoryFormat format =
          file.endsWith(".ini")
              ? InventoryFormat.KUBESPRAY_INI
              : file.endsWith(".json") ? InventoryFormat.GRAFT_YAML : null;
      ImportedInventory inv = PlanningService.importText(file, body, format);
      // Key files are checked on this machine, right for `graft dev` where the worker shares
      // it; a server whose workers run elsewhere passes checkFiles=false. A viewer's plan looks
      // at none, so that a read-only token learns nothing about which files exist.
      boolean look = checkFiles && operator;
      PlanningService.Planned planned =
          planning.plan(
              inv,
              new PlanningService.AssumeEmpty(),
              maxParallel,
              new InventoryValidator(resolver, path -> look && files.allows(path)));
      return Response.ok(planned.plan().withoutRoutes()).build();
    } catch (InventoryException e) {
      throw ApiProblem.of(e);
    } catch (PlanningException e) {
      throw ApiProblem.planning(e.field(), e.getMessage());
    }
  }

  /**
   * The body as an operation's request (a JSON object with {@code inventory} or {@code upgrade}),
   * or null when it is a Graft JSON inventory.
   */
  private static JsonNode operationRequest(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n != null && n.isObject() && (n.has("upgrade") || n.has("inventory")) ? n : null;
    } catch (IOException notJson) {
      return null; // the inventory path says what is wrong with it
    }
  }

  private Response expansion(
      String body, int maxParallel, boolean lookAtFiles, SecurityContext security) {
    ExpandRequest req = OperationSubmitter.parse(body);
    if (req.kind() != null && !"expand".equals(req.kind())) {
      throw ApiProblem.field("kind", "an expansion plan's kind is \"expand\" (or left out)");
    }
    if (req.kubeconfig() != null
        && !req.kubeconfig().isBlank()
        && (security == null || !security.isUserInRole(Role.OPERATOR_NAME))) {
      throw new ForbiddenException(
          "a plan from the cluster reads it through a kubeconfig on the"
              + " server: it needs the operator role");
    }
    int parallel =
        req.options() != null && req.options().maxParallel() != null
            ? req.options().maxParallel()
            : maxParallel;
    return Response.ok(
            new ExpansionRequests(planning, resolver, files, true)
                .plan(req, parallel, lookAtFiles)
                .plan()
                .withoutRoutes())
        .build();
  }

  private Response upgrade(String body, boolean checkFiles, SecurityContext security) {
    if (security == null || !security.isUserInRole(Role.OPERATOR_NAME)) {
      throw new ForbiddenException(
          "an upgrade plan reads the cluster through a"
              + " kubeconfig on the server: it needs the operator role");
    }
    ExpandRequest req = OperationSubmitter.parse(body);
    if (req.kind() != null && !"upgrade".equals(req.kind())) {
      throw ApiProblem.field("kind", "an upgrade plan's kind is \"upgrade\" (or left out)");
    }
    UpgradeRequests.Planned planned =
        new UpgradeRequests(
                planning,
                new InventoryValidator(resolver, path -> checkFiles && files.allows(path)),
                files)
            .plan(req);
    return Response.ok(planned.plan()).build();
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
    throw ApiProblem.of(
        400, message, List.of(new InventoryError(file, 0, field, message)), Map.of());
  }
}
