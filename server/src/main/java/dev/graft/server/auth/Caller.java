package dev.graft.server.auth;

import java.security.Principal;

/**
 * The authenticated caller of a request: its name (recorded as the actor) and role.
 *
 * @param anonymous true for a request without a token that the configured anonymous role let in
 */
public record Caller(String name, Role role, boolean anonymous) implements Principal {
  public Caller(String name, Role role) {
    this(name, role, false);
  }

  @Override
  public String getName() {
    return name;
  }
}
