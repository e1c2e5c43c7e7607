package dev.graft.server.auth;

import java.security.Principal;

/** The authenticated caller of a request: its name (recorded as the actor) and role. */
public record Caller(String name, Role role) implements Principal {
  @Override
  public String getName() {
    return name;
  }
}
