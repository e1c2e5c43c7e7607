package dev.graft.workflows.model;

/**
 * A Kubernetes taint as written on a Node: {@code key}, optional {@code value} (empty string when
 * absent) and {@code effect} (NoSchedule, PreferNoSchedule or NoExecute).
 */
public record Taint(String key, String value, String effect) {
  public Taint {
    value = value == null ? "" : value;
  }

  /** Kubernetes' short form, {@code key=value:Effect} or {@code key:Effect}. */
  @Override
  public String toString() {
    return key + (value.isEmpty() ? "" : "=" + value) + ":" + effect;
  }
}
