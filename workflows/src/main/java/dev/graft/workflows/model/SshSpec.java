package dev.graft.workflows.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How Graft reaches a node over SSH. Only references: {@code keyRef} and {@code knownHosts} are
 * paths that an activity opens on the worker, never key material, so that no secret enters a
 * workflow history. {@code hostKey} is a public host key ("ssh-ed25519 AAAA...") that pins the
 * node's identity.
 *
 * <p>Every field is nullable: a node's {@code ssh} holds only its overrides, and {@link
 * #over(SshSpec)} layers them over the cluster's defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SshSpec(
    String user, Integer port, String keyRef, Boolean sudo, String hostKey, String knownHosts) {
  public static final String DEFAULT_USER = "root";
  public static final int DEFAULT_PORT = 22;

  /** Nothing set: every field inherits. */
  public static final SshSpec EMPTY = new SshSpec(null, null, null, null, null, null);

  /** This spec's set fields win; the rest come from {@code defaults}. */
  public SshSpec over(SshSpec defaults) {
    if (defaults == null) {
      return this;
    }
    return new SshSpec(
        user != null ? user : defaults.user,
        port != null ? port : defaults.port,
        keyRef != null ? keyRef : defaults.keyRef,
        sudo != null ? sudo : defaults.sudo,
        hostKey != null ? hostKey : defaults.hostKey,
        knownHosts != null ? knownHosts : defaults.knownHosts);
  }

  public String effectiveUser() {
    return user != null ? user : DEFAULT_USER;
  }

  public int effectivePort() {
    return port != null ? port : DEFAULT_PORT;
  }

  public boolean effectiveSudo() {
    return sudo != null && sudo;
  }

  @JsonIgnore
  public boolean isEmpty() {
    return equals(EMPTY);
  }
}
