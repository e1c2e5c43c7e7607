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
 * Armed failures of {@code kubeadm join} in the middle, after a phase has written its files
 * ({@code LabFaults.failJoinAfter}): the join exits 1 as kubeadm does when the next step fails
 * on a transient error, and leaves on the node exactly what kubeadm leaves at that point. The
 * count lives in {@code /run/graft-lab/join-fault/<phase>} ("/" of a sub-phase as "_") and is
 * taken under a file lock, so each armed failure fires once.
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
    Path p = k.path(file(phase));
    if (!Files.exists(p)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      ByteBuffer buf = ByteBuffer.allocate(64);
      ch.read(buf, 0);
      String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
      int n;
      try {
        n = Integer.parseInt(text.isEmpty() ? "0" : text.split("\\s+")[0]);
      } catch (NumberFormatException e) {
        return false;
      }
      if (n <= 0) {
        return false;
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(((n - 1) + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      return true;
    }
  }
}
