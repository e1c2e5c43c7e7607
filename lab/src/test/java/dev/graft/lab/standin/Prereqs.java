package dev.graft.lab.standin;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test prerequisites: a missing one skips the test, unless GRAFT_REQUIRE_PREREQS=1 (CI), where it
 * fails naming what is missing.
 */
final class Prereqs {
  private Prereqs() {}

  static void require(String what, Path path) {
    if (Files.isExecutable(path)) {
      return;
    }
    String message = what + " is required at " + path + " (Debian: apt-get install etcd-server)";
    if ("1".equals(System.getenv("GRAFT_REQUIRE_PREREQS"))) {
      fail(message);
    }
    assumeTrue(false, message);
  }
}
