package dev.graft.server.operations;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.graft.workflows.step.ExecutionPolicy;

/** Settings of {@code POST /api/v1/operations}. */
public class OperationSettings {
  /**
   * Check that the SSH key and known_hosts files an inventory names exist on the server before
   * anything starts: right when the workers share the server's machine ({@code graft dev}, one
   * host); set false when workers run elsewhere and hold the files.
   */
  @JsonProperty private boolean checkFiles = true;

  /**
   * How long a step's activity may go without a heartbeat before Temporal gives it to another
   * worker: the time a killed worker's SSH step waits before it resumes elsewhere (default 60 s).
   */
  @JsonProperty
  private io.dropwizard.util.Duration heartbeatTimeout = io.dropwizard.util.Duration.seconds(15);

  /** Attempts of a step before it parks in needs-attention (default 3). */
  @JsonProperty private int stepMaxAttempts = 3;

  /**
   * How long a plan waits, in all, for the DNS lookups of the inventory's host names (at most 64
   * names; the rest are left to the worker's reach step). Default 2 s.
   */
  @JsonProperty
  private io.dropwizard.util.Duration planDnsTimeout = io.dropwizard.util.Duration.seconds(2);

  public java.time.Duration getPlanDnsTimeout() {
    return java.time.Duration.ofMillis(planDnsTimeout.toMilliseconds());
  }

  public boolean isCheckFiles() {
    return checkFiles;
  }

  /** The execution policy every operation submitted here runs with. */
  public ExecutionPolicy policy() {
    return ExecutionPolicy.withMaxAttempts(stepMaxAttempts)
        .withHeartbeatTimeout(java.time.Duration.ofMillis(heartbeatTimeout.toMilliseconds()));
  }
}
