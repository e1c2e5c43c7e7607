package dev.graft.lab;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** How lab hosts are made. */
public enum LabKind {
  /** A network, mount and UTS namespace per host with a real OpenSSH server (root + OpenSSH). */
  @JsonProperty("netns")
  NETNS,
  /** A MINA SSHD server per host on 127.0.0.1 running /bin/sh in a sandbox dir (anywhere). */
  @JsonProperty("inprocess")
  INPROCESS,
  /** NETNS when root and OpenSSH are present, INPROCESS otherwise. Never stored in a state file. */
  @JsonProperty("auto")
  AUTO;

  public static LabKind parse(String s) {
    for (LabKind k : values()) {
      if (k.name().equalsIgnoreCase(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown lab kind '" + s + "' (netns, inprocess or auto)");
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
