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
    if (Files.isExecutable(executable)) {
      return;
    }
    String message = what + " is missing: " + executable + " is not an executable file";
    if ("1".equals(System.getenv("GRAFT_REQUIRE_PREREQS"))) {
      fail(message + " (GRAFT_REQUIRE_PREREQS=1)");
    }
    Assumptions.abort(message + "; skipped (set GRAFT_REQUIRE_PREREQS=1 to fail instead)");
  }
}
