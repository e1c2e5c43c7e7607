package dev.graft.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/** Settings of the embedded Temporal that {@code graft dev} starts. */
public class DevSettings {
  /** The embedded Temporal binds only this address. */
  @NotBlank @JsonProperty private String temporalBindHost = "127.0.0.1";

  @Min(0)
  @Max(65535)
  @JsonProperty
  private int temporalPort = 7233;

  public String getTemporalBindHost() {
    return temporalBindHost;
  }

  public int getTemporalPort() {
    return temporalPort;
  }
}
