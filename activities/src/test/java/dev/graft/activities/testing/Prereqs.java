package dev.graft.activities.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that need something from the machine (root, an OpenSSH server, etcd). Missing
 * prerequisites skip the test, unless GRAFT_REQUIRE_PREREQS=1 (as in CI), where they fail it and
 * name what is missing.
 */
public final class Prereqs {
  private Prereqs() {}

  public static boolean required() {
    return "1".equals(System.getenv("GRAFT_REQUIRE_PREREQS"));
  }

  /** Requires an executable file at {@code executable}. */
  public static void require(String what, Path executable) {
    require(what, Files.isExecutable(executable), executable + " is not an executable file");
  }

  /** Requires an executable file at {@code path}. */
  public static void requireExecutable(String what, String path) {
    require(what, Path.of(path));
  }

  /** Requires the tests to run as root (uid 0). */
  public static void requireRoot(String why) {
    require("root", "root".equals(System.getProperty("user.name")), "must run as root: " + why);
  }

  public static void require(String what, boolean present, String detail) {
    if (present) {
      return;
    }
    String message = "prerequisite missing: " + what + " (" + detail + ")";
    if (required()) {
      Assertions.fail(message + "; GRAFT_REQUIRE_PREREQS=1 makes this a failure");
    }
    Assumptions.abort(message + "; skipped (set GRAFT_REQUIRE_PREREQS=1 to fail instead)");
  }
}
