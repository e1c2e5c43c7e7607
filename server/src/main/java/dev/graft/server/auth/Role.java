package dev.graft.server.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/** What a caller may do. Operators can do everything viewers can. */
public enum Role {
  VIEWER,
  OPERATOR;

  /** Names used in {@code @RolesAllowed}. */
  public static final String VIEWER_NAME = "viewer";

  public static final String OPERATOR_NAME = "operator";

  public boolean includes(String roleName) {
    return switch (roleName) {
      case VIEWER_NAME -> true;
      case OPERATOR_NAME -> this == OPERATOR;
      default -> false;
    };
  }

  @JsonCreator
  public static Role parse(String value) {
    return Role.valueOf(value.trim().toUpperCase(Locale.ROOT));
  }
}
