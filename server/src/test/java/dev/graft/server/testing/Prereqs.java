package dev.graft.server.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need a real program (etcd) skip when it is missing, unless GRAFT_REQUIRE_PREREQS=1
 * (CI), where a missing program fails the test and names it.
 */
public final class Prereqs {
  private Prereqs() {}

  public static void require(String what, Path executable) {
    require(
        Files.isExecutable(executable),
        what + " is missing: " + executable + " is not an executable file");
  }

  /** Requires the tests to run as root (uid 0), e.g. for lab hosts in network namespaces. */
  public static void requireRoot(String why) {
    require("root".equals(System.getProperty("user.name")), "must run as root: " + why);
  }

  private static void require(boolean present, String message) {
    if (present) {
      return;
    }
    if ("1".equals(System.getenv("GRAFT_REQUIRE_PREREQS"))) {
      fail(message + " (GRAFT_REQUIRE_PREREQS=1)");
    }
    Assumptions.abort(message + "; skipped (set GRAFT_REQUIRE_PREREQS=1 to fail instead)");
  }
}
