package dev.graft.server.auth;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;

/**
 * A 401 or 403 answers a request before its body is read, and Jetty then closes the connection
 * rather than read an unknown amount of unwanted input; without saying so, a client that keeps
 * connections alive sends its next request down a closed socket ("header parser received no
 * bytes"). This says so: such responses carry {@code Connection: close}.
 */
public final class CloseAfterRejection implements ContainerResponseFilter {
  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    int status = response.getStatus();
    boolean rejected = status == 401 || status == 403;
    boolean hasBody =
        request.getLength() > 0 || request.getHeaderString("Transfer-Encoding") != null;
    if (rejected && hasBody) {
      response.getHeaders().putSingle("Connection", "close");
    }
  }
}
