package dev.graft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.lab.host.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A lab that fails half-way through `up` leaves nothing behind, in either kind. */
class FailedUpCleanupTest {

  private static HostCustomizer failOnHost(int index) {
    return h -> {
      if (h.index() == index) {
        throw new IOException("customizer refused host " + h.name());
      }
    };
  }

  @Test
  void netnsUpThatFailsOnTheThirdHostRemovesTheFirstTwo() throws Exception {
    Prereqs.netns();
    MachineSnapshot before = MachineSnapshot.take();
    Path dir = Files.createTempDirectory("graft-lab-fail-").resolve("lab");
    List<LabState> seen = new java.util.ArrayList<>();
    LabException e =
        assertThrows(
            LabException.class,
            () ->
                Lab.up(
                    LabSpec.builder()
                        .nodes(4)
                        .kind(LabKind.NETNS)
                        .stateDir(dir)
                        .customizer(
                            h -> {
                              if (h.index() == 1) {
                                seen.add(LabState.read(dir));
                              }
                            })
                        .customizer(failOnHost(3))
                        .build()));
    assertTrue(e.getMessage().contains("customizer refused host k8s-node3"), e.getMessage());
    assertFalse(Files.exists(dir));
    List<String> left = List.of();
    for (int i = 0; i < 50; i++) {
      left = before.leftovers(MachineSnapshot.take(), seen.get(0));
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(List.of(), left);
    assertEquals(List.of(), Procfs.withLabId(seen.get(0).id()));
    Files.deleteIfExists(dir.getParent());
  }

  @Test
  void inprocessUpThatFailsClosesTheServersItStarted() throws Exception {
    Path dir = Files.createTempDirectory("graft-lab-fail-").resolve("lab");
    assertThrows(
        LabException.class,
        () ->
            Lab.up(
                LabSpec.builder()
                    .nodes(3)
                    .kind(LabKind.INPROCESS)
                    .stateDir(dir)
                    .customizer(failOnHost(2))
                    .build()));
    assertFalse(Files.exists(dir));
    Files.deleteIfExists(dir.getParent());
  }

  @Test
  void aStateDirThatIsNotALabsIsNeverUsedOrDeleted() throws Exception {
    Path dir = Files.createTempDirectory("graft-lab-foreign-");
    Path precious = Files.writeString(dir.resolve("precious.txt"), "keep me");
    try {
      assertThrows(
          LabException.class,
          () -> Lab.up(LabSpec.builder().nodes(1).kind(LabKind.INPROCESS).stateDir(dir).build()));
      assertTrue(Lab.down(dir).get(0).contains("not a lab state dir"));
      assertEquals("keep me", Files.readString(precious));
    } finally {
      Files.delete(precious);
      Files.delete(dir);
    }
  }
}
