package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.fail;

import dev.graft.lab.host.NetnsProvisioner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The one place tests check their prerequisites: a missing one skips the test, unless
 * GRAFT_REQUIRE_PREREQS=1 (CI), where it fails naming what is missing.
 */
final class Prereqs {
  private Prereqs() {}

  static boolean required() {
    return "1".equals(System.getenv("GRAFT_REQUIRE_PREREQS"));
  }

  static void require(String what, List<String> missing) {
    if (missing.isEmpty()) {
      return;
    }
    String msg = what + " needs: " + String.join(", ", missing);
    if (required()) {
      fail(msg + " (GRAFT_REQUIRE_PREREQS=1)");
    }
    Assumptions.assumeTrue(false, msg);
  }

  /** Root, OpenSSH server and client, util-linux and iproute2. */
  static void netns() {
    List<String> missing = new ArrayList<>(NetnsProvisioner.missingPrerequisites());
    if (!Files.isExecutable(Path.of("/usr/bin/ssh"))) {
      missing.add("OpenSSH client /usr/bin/ssh (package openssh-client)");
    }
    require("netns lab hosts", missing);
  }

  static void opensshClient() {
    require(
        "the OpenSSH client check",
        Files.isExecutable(Path.of("/usr/bin/ssh")) ? List.of() : List.of("/usr/bin/ssh"));
  }
}
