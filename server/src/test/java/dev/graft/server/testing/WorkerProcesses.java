package dev.graft.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Graft workers as separate processes, as in production: {@code graft worker config/worker.yml} in
 * a child JVM against a Temporal at {@code target}, each with its own log, and killed with SIGKILL
 * (no shutdown hook, no chance to finish a step) when a test says so. {@link #close} kills whatever
 * is still running.
 */
public final class WorkerProcesses implements AutoCloseable {
  private final String target;
  private final Path logDir;
  private final List<Process> workers = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  public WorkerProcesses(String temporalTarget, Path logDir) {
    this.target = temporalTarget;
    this.logDir = logDir;
  }

  /** Starts one more worker. */
  public Process start() throws IOException {
    Path config = Path.of("..", "config", "worker.yml").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(config), "no worker config at " + config);
    String java = ProcessHandle.current().info().command().orElse("java");
    Path log = logDir.resolve("worker-" + (workers.size() + 1) + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.graft.server.GraftApplication",
                "worker",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("TEMPORAL_ADDRESS", target);
    env.put("GRAFT_WORKER_ADMIN_PORT", Integer.toString(freePort()));
    Process p = pb.start();
    workers.add(p);
    logs.add(log);
    return p;
  }

  /** SIGKILLs {@code p} and checks it died of it (exit 137). */
  public static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the worker did not die");
    assertEquals(137, p.exitValue(), "the worker was not killed by SIGKILL");
  }

  /**
   * Polls {@code condition} every 100 ms; fails with the workers' logs on timeout or when a worker
   * exits by itself (not by SIGKILL).
   */
  public void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      for (Process p : workers) {
        if (!p.isAlive() && p.exitValue() != 137 && p.exitValue() != 9) {
          fail("a worker exited with " + p.exitValue() + " while waiting for " + what + output());
        }
      }
      Thread.sleep(100);
    }
    fail("timed out after " + timeout + " waiting for " + what + output());
  }

  /** The last 40 lines of every worker's log. */
  public String output() {
    StringBuilder sb = new StringBuilder();
    for (Path log : logs) {
      try {
        List<String> lines = Files.readAllLines(log);
        sb.append("\n--- ").append(log.getFileName()).append(" (last 40 lines)\n");
        lines
            .subList(Math.max(0, lines.size() - 40), lines.size())
            .forEach(l -> sb.append(l).append('\n'));
      } catch (IOException e) {
        sb.append("\n--- ").append(log).append(": ").append(e.getMessage());
      }
    }
    return sb.toString();
  }

  /** The log {@code p} writes (its stdout and stderr). */
  public Path log(Process p) {
    return logs.get(workers.indexOf(p));
  }

  public int started() {
    return workers.size();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : workers) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
