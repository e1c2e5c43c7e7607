package dev.graft.server.resources;

import com.codahale.metrics.annotation.Timed;
import dev.graft.server.auth.Caller;
import dev.graft.server.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/v1/whoami}: the caller's name and role, so the web UI shows action buttons only
 * to operators (the server refuses a viewer's action with 403 all the same). Without a token it
 * answers 401, unless an anonymous role is configured ({@code graft dev}): then the caller is
 * "anonymous" with that role, and {@code anonymous} is true.
 */
@Path("/v1/whoami")
@Produces(MediaType.APPLICATION_JSON)
public class WhoAmIResource {
  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  @Timed
  public Map<String, Object> whoami(@Context SecurityContext security) {
    Caller caller = (Caller) security.getUserPrincipal();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", caller.name());
    out.put("role", caller.role().name().toLowerCase(Locale.ROOT));
    out.put("anonymous", caller.anonymous());
    out.put("canAct", caller.role() == Role.OPERATOR);
    return out;
  }
}
