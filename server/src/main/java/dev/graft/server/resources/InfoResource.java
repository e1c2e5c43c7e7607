package dev.graft.server.resources;

import dev.graft.server.GraftConfiguration;
import dev.graft.server.Mode;
import dev.graft.server.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code GET /api/v1/info}: what this Graft process is and which Temporal it uses. */
@Path("/v1/info")
@RolesAllowed(Role.VIEWER_NAME)
@Produces(MediaType.APPLICATION_JSON)
public class InfoResource {
  private final GraftConfiguration config;

  public InfoResource(GraftConfiguration config) {
    this.config = config;
  }

  @GET
  public Map<String, Object> info() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", "graft");
    out.put("version", InfoResource.class.getPackage().getImplementationVersion());
    out.put("mode", config.getMode().name().toLowerCase(Locale.ROOT));
    out.put("temporalTarget", config.getTemporal().getTarget());
    out.put("temporalNamespace", config.getTemporal().getNamespace());
    out.put("taskQueue", config.getTemporal().getTaskQueue());
    out.put("temporalStateInMemoryOnly", config.getMode() == Mode.DEV);
    // The web UI links an operation to its execution there ("open in Temporal UI"); null: no link.
    String ui = config.getTemporal().getUiUrl();
    out.put("temporalUiUrl", ui == null || ui.isBlank() ? null : ui.replaceAll("/+$", ""));
    return out;
  }
}
