package dev.graft.server.security;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.List;

/** Where the server may read files that a request names ({@code inventory.path}, kubeconfig). */
public class PathSettings {
  /**
   * Directories whose regular files a request may name. Empty: the secrets directory ({@code
   * $GRAFT_SECRETS_DIR}, default {@code ./secrets}, as docker-compose mounts it) and the directory
   * of the configuration file. One string may hold several directories separated by {@code :}, so
   * that an environment variable can set them.
   */
  @NotNull
  @JsonProperty
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  private List<String> allowedRoots = new ArrayList<>();

  public List<String> getAllowedRoots() {
    List<String> out = new ArrayList<>();
    for (String entry : allowedRoots) {
      for (String dir : entry.split(":")) {
        if (!dir.isBlank()) {
          out.add(dir.trim());
        }
      }
    }
    return out;
  }

  public void setAllowedRoots(List<String> roots) {
    this.allowedRoots = new ArrayList<>(roots);
  }
}
