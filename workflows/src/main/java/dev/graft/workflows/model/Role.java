package dev.graft.workflows.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a node is in the cluster. The wire name (JSON/YAML) is lower-case with a dash, the way
 * Kubernetes spells role labels ({@code node-role.kubernetes.io/control-plane}).
 */
public enum Role {
  CONTROL_PLANE("control-plane"),
  ETCD("etcd"),
  WORKER("worker"),
  INFRA("infra");

  private final String wireName;

  Role(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Jackson's way in: an unknown name is an error, never silently dropped. */
  @JsonCreator
  public static Role fromWireName(String name) {
    Role r = tryParse(name);
    if (r == null) {
      throw new IllegalArgumentException("unknown role: " + name);
    }
    return r;
  }

  /** Returns {@code null} for an unknown name, so importers can report it with a position. */
  public static Role tryParse(String name) {
    if (name == null) {
      return null;
    }
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Role r : values()) {
      if (r.wireName.equals(n)) {
        return r;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
