package dev.graft.workflows.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where etcd runs. */
public enum EtcdTopology {
  /** kubeadm's stacked etcd: one member on every node with the etcd role, all control-plane. */
  STACKED("stacked"),
  /** Members on etcd hosts that Graft manages apart from the control plane. */
  EXTERNAL("external");

  private final String wireName;

  EtcdTopology(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Jackson's way in: an unknown name is an error. */
  @JsonCreator
  public static EtcdTopology fromWireName(String name) {
    EtcdTopology t = tryParse(name);
    if (t == null) {
      throw new IllegalArgumentException("unknown etcd topology: " + name);
    }
    return t;
  }

  /** Returns {@code null} for an unknown name, so importers can report it with a position. */
  public static EtcdTopology tryParse(String name) {
    if (name == null) {
      return null;
    }
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (EtcdTopology t : values()) {
      if (t.wireName.equals(n)) {
        return t;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
