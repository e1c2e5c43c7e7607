package dev.graft.server.health;

import com.codahale.metrics.health.HealthCheck;
import dev.graft.server.temporal.TemporalConnection;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import java.util.concurrent.TimeUnit;

/** Temporal answers a cheap RPC within a short deadline. */
public final class TemporalHealthCheck extends HealthCheck {
  private final TemporalConnection connection;

  public TemporalHealthCheck(TemporalConnection connection) {
    this.connection = connection;
  }

  @Override
  protected Result check() {
    String target = connection.settings().getTarget();
    try {
      var info =
          connection
              .stubs()
              .blockingStub()
              .withDeadlineAfter(3, TimeUnit.SECONDS)
              .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Result.builder()
          .healthy()
          .withMessage("Temporal at %s answers", target)
          .withDetail("serverVersion", info.getServerVersion())
          .withDetail("namespace", connection.settings().getNamespace())
          .build();
    } catch (RuntimeException e) {
      return Result.unhealthy(
          "Temporal at %s does not answer (%s); check temporal.target and that Temporal runs",
          target, e.getMessage());
    }
  }
}
