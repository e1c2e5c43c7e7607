package dev.graft.activities.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OutputSinkTest {
  @Test
  void keepsTheLastBytesAcrossWritesOfAnySize() {
    OutputSink sink = new OutputSink(OutputKind.STDOUT, 10, null, new AtomicReference<>());
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      String chunk = "c" + i + "x".repeat(i % 13);
      all.append(chunk);
      sink.write(chunk.getBytes(StandardCharsets.US_ASCII), 0, chunk.length());
      String expected = all.substring(Math.max(0, all.length() - 10));
      assertEquals(expected, sink.tailText(), "after write " + i);
    }
    assertEquals(all.length(), sink.total());
    assertTrue(sink.truncated());
  }

  @Test
  void smallOutputIsNotTruncatedAndCutUtf8IsDropped() {
    OutputSink small = new OutputSink(OutputKind.STDOUT, 100, null, new AtomicReference<>());
    small.write("hi".getBytes(StandardCharsets.UTF_8), 0, 2);
    assertFalse(small.truncated());
    OutputSink cut = new OutputSink(OutputKind.STDOUT, 3, null, new AtomicReference<>());
    byte[] euro = "a\u20ac\u20ac".getBytes(StandardCharsets.UTF_8); // a + 2 x 3 bytes
    cut.write(euro, 0, euro.length);
    assertEquals("\u20ac", cut.tailText());
    OutputSink cutMid = new OutputSink(OutputKind.STDOUT, 4, null, new AtomicReference<>());
    cutMid.write(euro, 0, euro.length);
    assertEquals("\u20ac", cutMid.tailText(), "the orphan continuation byte is dropped");
  }

  @Test
  void splitsLinesStripsCrAndChopsOverlongLines() {
    List<String> lines = new ArrayList<>();
    OutputSink sink =
        new OutputSink(
            OutputKind.STDERR, 16, (k, l) -> lines.add(k + ":" + l), new AtomicReference<>());
    byte[] data = ("one\r\ntw").getBytes(StandardCharsets.UTF_8);
    sink.write(data, 0, data.length);
    byte[] rest = ("o\n" + "z".repeat(OutputSink.MAX_LINE + 5)).getBytes(StandardCharsets.UTF_8);
    sink.write(rest, 0, rest.length);
    sink.finish();
    assertEquals(4, lines.size());
    assertEquals("STDERR:one", lines.get(0));
    assertEquals("STDERR:two", lines.get(1));
    assertEquals(OutputSink.MAX_LINE + "STDERR:".length(), lines.get(2).length());
    assertEquals("STDERR:zzzzz", lines.get(3));
  }
}
