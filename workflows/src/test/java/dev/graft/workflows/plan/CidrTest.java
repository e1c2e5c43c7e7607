package dev.graft.workflows.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
  @ParameterizedTest(name = "{0} parses to {1}")
  @CsvSource({
    "10.244.0.0/16, 10.244.0.0/16",
    "0.0.0.0/0, 0.0.0.0/0",
    "255.255.255.255/32, 255.255.255.255/32",
    "10.233.64.0/18, 10.233.64.0/18"
  })
  void parsesCanonicalBlocks(String text, String expected) {
    assertEquals(expected, Cidr.parse(text).toString());
  }

  @ParameterizedTest(name = "\"{0}\" is refused")
  @ValueSource(
      strings = {
        "10.244.0.0",
        "10.244.0.0/33",
        "10.244.1.5/24",
        "10.244.0/16",
        "010.1.0.0/16",
        "256.0.0.0/8",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "1.2.3.4.5/32",
        " 10.0.0.0/8",
        "a.b.c.d/8",
        "10..0.0/16",
        "10.0.0.0/8/8",
        ""
      })
  void refusesMalformedOrNonCanonicalBlocks(String text) {
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
  }

  @Test
  void hostBitsMessageNamesTheNetwork() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.1.5/24"));
    assertTrue(e.getMessage().contains("10.244.1.0/24"), e.getMessage());
  }

  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource({
    "10.244.0.0/16, 10.244.3.0/24, true",
    "10.244.0.0/16, 10.245.0.0/24, false",
    "10.244.0.0/16, 10.244.0.0/15, false",
    "10.244.0.0/16, 10.244.0.0/16, true"
  })
  void containment(String outer, String inner, boolean expected) {
    assertEquals(expected, Cidr.parse(outer).contains(Cidr.parse(inner)));
  }

  @ParameterizedTest(name = "{0} overlaps {1}: {2}")
  @CsvSource({
    "10.0.0.0/8, 10.1.0.0/16, true",
    "10.1.0.0/16, 10.0.0.0/8, true",
    "10.1.0.0/24, 10.1.1.0/24, false",
    "10.1.0.0/23, 10.1.1.0/24, true"
  })
  void overlap(String a, String b, boolean expected) {
    assertEquals(expected, Cidr.parse(a).overlaps(Cidr.parse(b)));
  }

  @ParameterizedTest(name = "in {0} /{1} with {2} taken, the first free block is {3}")
  @CsvSource(
      delimiter = ';',
      value = {
        "10.244.0.0/16; 24; ; 10.244.0.0/24",
        "10.244.0.0/16; 24; 10.244.0.0/24 10.244.1.0/24; 10.244.2.0/24",
        "10.244.0.0/16; 24; 10.244.1.0/24; 10.244.0.0/24",
        "10.244.0.0/16; 24; 10.244.0.0/23; 10.244.2.0/24",
        "10.244.0.0/16; 24; 10.244.0.128/25; 10.244.1.0/24",
        "10.244.0.0/16; 24; 10.0.0.0/8; none",
        "10.244.0.0/23; 24; 10.244.0.0/24 10.244.1.0/24; none",
        "10.0.0.0/8; 30; 10.0.0.0/9; 10.128.0.0/30"
      })
  void firstFreeNeverReusesATakenBlock(String net, int mask, String taken, String expected) {
    List<Cidr> t =
        taken == null
            ? List.of()
            : Arrays.stream(taken.trim().split(" ")).map(Cidr::parse).toList();
    Optional<Cidr> free = Cidr.parse(net).firstFree(mask, t);
    assertEquals(expected, free.map(Cidr::toString).orElse("none"));
    free.ifPresent(f -> assertFalse(t.stream().anyMatch(f::overlaps)));
  }

  @Test
  void maskWiderThanTheNetworkIsRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> Cidr.parse("10.244.0.0/24").firstFree(16, List.of()));
  }
}
