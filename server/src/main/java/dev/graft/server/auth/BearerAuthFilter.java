package dev.graft.server.auth;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.Map;
import java.util.Optional;

/**
 * Authenticates every API request by its {@code Authorization: Bearer <token>} header and sets the
 * caller as the request's principal; {@code @RolesAllowed} on resources then authorizes (403). A
 * missing or unknown token is a 401, unless an anonymous role is configured (dev mode).
 */
@Priority(Priorities.AUTHENTICATION)
public final class BearerAuthFilter implements ContainerRequestFilter {
  private final TokenAuthenticator authenticator;
  private final Role anonymousRole;

  public BearerAuthFilter(TokenAuthenticator authenticator, Role anonymousRole) {
    this.authenticator = authenticator;
    this.anonymousRole = anonymousRole;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    Optional<Caller> caller = Optional.empty();
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      caller = authenticator.authenticate(header.substring(7));
      if (caller.isEmpty()) {
        abort(request, "the bearer token is not valid");
        return;
      }
    } else if (header != null) {
      abort(request, "use Authorization: Bearer <token>");
      return;
    } else if (anonymousRole != null) {
      caller = Optional.of(new Caller("anonymous", anonymousRole, true));
    } else {
      abort(request, "a bearer token is required");
      return;
    }
    Caller who = caller.get();
    boolean secure =
        request.getSecurityContext() != null && request.getSecurityContext().isSecure();
    request.setSecurityContext(
        new SecurityContext() {
          @Override
          public Principal getUserPrincipal() {
            return who;
          }

          @Override
          public boolean isUserInRole(String role) {
            return who.role().includes(role);
          }

          @Override
          public boolean isSecure() {
            return secure;
          }

          @Override
          public String getAuthenticationScheme() {
            return "Bearer";
          }
        });
  }

  private static void abort(ContainerRequestContext request, String message) {
    request.abortWith(
        Response.status(Response.Status.UNAUTHORIZED)
            .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"graft\"")
            .type(MediaType.APPLICATION_JSON)
            .entity(Map.of("error", message))
            .build());
  }
}
