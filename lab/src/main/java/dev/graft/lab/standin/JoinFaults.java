package dev.graft.lab.standin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Armed failures of {@code kubeadm join} in the middle, after a phase has written its files ({@code
 * LabFaults.failJoinAfter}): the join exits 1 as kubeadm does when the next step fails on a
 * transient error, and leaves on the node exactly what kubeadm leaves at that point. The count
 * lives in {@code /run/graft-lab/join-fault/<phase>} ("/" of a sub-phase as "_") and is taken under
 * a file lock, so each armed failure fires once.
 */
final class JoinFaults {
  static final String DIR = "/run/graft-lab/join-fault";

  /** kubeadm's phase names, in the order a join runs them. */
  static final List<String> PHASES =
      List.of("control-plane-prepare", "kubelet-start", "control-plane-join/etcd");

  private JoinFaults() {}

  static String file(String phase) {
    if (!PHASES.contains(phase)) {
      throw new IllegalArgumentException("unknown join phase " + phase + "; known: " + PHASES);
    }
    return DIR + "/" + phase.replace('/', '_');
  }

  /** Whether a failure is armed right after {@code phase}; takes one use when it is. */
  static boolean take(Kubeadm k, String phase) throws IOException {
    return takeOne(k.path(file(phase))) != null;
  }

  /**
   * Takes one use of an armed counter file ("N [ARG...]"): null when absent or used up, else the
   * line's fields (the count before this use, then the arguments, which stay armed with N-1).
   */
  static String[] takeOne(Path p) throws IOException {
    if (!Files.exists(p)) {
      return null;
    }
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      ByteBuffer buf = ByteBuffer.allocate(256);
      ch.read(buf, 0);
      String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
      String[] fields = text.isEmpty() ? new String[] {"0"} : text.split("\\s+");
      int n;
      try {
        n = Integer.parseInt(fields[0]);
      } catch (NumberFormatException e) {
        return null;
      }
      if (n <= 0) {
        return null;
      }
      fields[0] = Integer.toString(n - 1);
      ch.truncate(0);
      ch.write(
          ByteBuffer.wrap((String.join(" ", fields) + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      fields[0] = Integer.toString(n);
      return fields;
    }
  }
}
