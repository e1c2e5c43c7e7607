package dev.graft.server.observe;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /prometheus} on the admin port (loopback only, like every admin endpoint). */
public final class PrometheusServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient Telemetry telemetry;

  public PrometheusServlet(Telemetry telemetry) {
    this.telemetry = telemetry;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    byte[] body = telemetry.scrape().getBytes(StandardCharsets.UTF_8);
    resp.setStatus(200);
    resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }
}
