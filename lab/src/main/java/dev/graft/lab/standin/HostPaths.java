package dev.graft.lab.standin;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Maps paths as seen inside a lab host to this machine's file system. Inside a stand-in process the
 * prefix comes from GRAFT_LAB_ROOT, which the installed shims set; it is empty on hosts that have
 * their own root (netns hosts).
 */
public final class HostPaths {
  private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9._/@+-]*");

  private final String prefix;

  public HostPaths(String prefix) {
    this.prefix = prefix == null ? "" : prefix.replaceAll("/+$", "");
  }

  /** The paths of the current stand-in process, from GRAFT_LAB_ROOT. */
  public static HostPaths fromEnvironment() {
    return new HostPaths(System.getenv("GRAFT_LAB_ROOT"));
  }

  public String prefix() {
    return prefix;
  }

  /** The machine path of a host path ("/etc/kubernetes" → "$ROOT/etc/kubernetes"). */
  public Path get(String hostPath) {
    requireSafePath(hostPath);
    return Path.of(prefix + hostPath);
  }

  /** Rejects paths that are relative, contain "..", or would need quoting in a shell. */
  public static String requireSafePath(String path) {
    if (path == null
        || !SAFE_PATH.matcher(path).matches()
        || path.contains("/../")
        || path.endsWith("/..")) {
      throw new IllegalArgumentException("unsafe or relative host path: " + path);
    }
    return path;
  }
}
