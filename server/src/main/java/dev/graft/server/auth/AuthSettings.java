package dev.graft.server.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.List;

/** Bearer-token authentication of the REST API and UI. */
public class AuthSettings {
  /** Tokens by hash; the config never holds a token in clear. */
  @Valid @NotNull @JsonProperty private List<TokenEntry> tokens = new ArrayList<>();

  /**
   * The role of a request without a token: empty (401) in production; {@code graft dev} sets {@code
   * operator} so a laptop needs no token, and says so in its banner.
   */
  @JsonProperty private Role anonymousRole;

  public List<TokenEntry> getTokens() {
    return tokens;
  }

  public Role getAnonymousRole() {
    return anonymousRole;
  }
}
