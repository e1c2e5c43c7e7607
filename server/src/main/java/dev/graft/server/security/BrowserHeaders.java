package dev.graft.server.security;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Browser hardening on every response of the application context, set before the response is
 * produced so that errors carry them too. The CSP is the one index.html declares in a meta tag plus
 * {@code frame-ancestors 'none'}, which only a header can say: no other page may frame the UI and
 * trick a click on its Abort button. API answers are never cached: they hold the state of
 * operations and, with a token, are a user's view.
 */
public final class BrowserHeaders implements Filter {
  public static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self';"
          + " img-src 'self' data:; connect-src 'self' blob:; object-src 'none'; base-uri 'none';"
          + " form-action 'self'; frame-ancestors 'none'";

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletResponse response = (HttpServletResponse) res;
    response.setHeader("Content-Security-Policy", CSP);
    response.setHeader("X-Frame-Options", "DENY");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Referrer-Policy", "no-referrer");
    if (((HttpServletRequest) req).getRequestURI().startsWith("/api/")) {
      response.setHeader("Cache-Control", "no-store");
    }
    chain.doFilter(req, res);
  }
}
