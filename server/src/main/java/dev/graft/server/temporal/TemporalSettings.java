package dev.graft.server.temporal;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.graft.workflows.TaskQueues;
import io.dropwizard.util.Duration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/** Where Graft finds Temporal, and how it talks to it. */
public class TemporalSettings {
  /** host:port of the Temporal frontend. */
  @NotBlank
  @Pattern(regexp = "^[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}$", message = "must be host:port")
  @JsonProperty
  private String target = "127.0.0.1:7233";

  @NotBlank @JsonProperty private String namespace = "default";

  @NotBlank @JsonProperty private String taskQueue = TaskQueues.DEFAULT;

  /** Deadline of one RPC to Temporal (health checks, starts, queries). */
  @NotNull @JsonProperty private Duration rpcTimeout = Duration.seconds(10);

  /** Where an operator can open an execution in the Temporal UI, if one runs; empty otherwise. */
  @JsonProperty private String uiUrl;

  @Valid @NotNull @JsonProperty private TlsSettings tls = new TlsSettings();

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public String getNamespace() {
    return namespace;
  }

  public String getTaskQueue() {
    return taskQueue;
  }

  public Duration getRpcTimeout() {
    return rpcTimeout;
  }

  public String getUiUrl() {
    return uiUrl;
  }

  public TlsSettings getTls() {
    return tls;
  }
}
