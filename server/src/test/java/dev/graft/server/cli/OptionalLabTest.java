package dev.graft.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The default build carries the lab command; a build without it (the production image's, -Pno-lab)
 * finds no class and lists nothing. That the image's jar holds no lab class is checked on the jar
 * itself (docs/architecture.md, "The lab and the production image").
 */
class OptionalLabTest {
  @Test
  void theDefaultBuildHasTheLabCommand() {
    assertEquals("lab", OptionalLab.command().orElseThrow().getName());
    assertFalse(OptionalLab.askedForButAbsent(new String[] {"lab", "--help"}));
  }

  @Test
  void aBuildWithoutTheLabClassHasNoLabCommand() {
    assertTrue(OptionalLab.command("dev.graft.server.cli.lab.NoSuchCommand").isEmpty());
    assertFalse(OptionalLab.present("dev.graft.server.cli.lab.NoSuchCommand"));
  }

  @Test
  void onlyTheLabCommandIsRefused() {
    assertFalse(OptionalLab.askedForButAbsent(new String[] {}));
    assertFalse(OptionalLab.askedForButAbsent(new String[] {"server", "config/graft.yml"}));
  }
}
