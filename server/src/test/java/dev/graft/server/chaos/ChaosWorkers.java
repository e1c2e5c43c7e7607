package dev.graft.server.chaos;

import dev.graft.server.testing.WorkerProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one Graft worker a chaos run has at a time (a child JVM, {@code graft worker}), the way a
 * small installation runs: a fault kills it with SIGKILL and a new one starts. The worker that is
 * alive at the end of a round carries over into the next, so a round pays a JVM start only for its
 * own kills.
 */
final class ChaosWorkers implements AutoCloseable {
  /** What GraftWorker logs once its pollers run. */
  private static final Pattern POLLING =
      Pattern.compile(
          "\\[(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3})\\].*worker polling task queue");

  private static final DateTimeFormatter LOG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

  private final WorkerProcesses processes;
  private Worker current;

  ChaosWorkers(String temporalTarget, Path logDir) {
    this.processes = new WorkerProcesses(temporalTarget, logDir);
  }

  /** A worker process: its PID (in its Temporal identity, worker@PID@host) and when it started. */
  record Worker(Process process, long pid, long startedAtMillis, Path log) {
    boolean ran(String identity) {
      return identity != null && identity.contains("@" + pid + "@");
    }

    /** When it logged that it polls (Dropwizard logs in UTC), or null before that. */
    Long pollingAtMillis() {
      try {
        for (String line : Files.readAllLines(log)) {
          Matcher m = POLLING.matcher(line);
          if (m.find()) {
            return LocalDateTime.parse(m.group(1), LOG_TIME)
                .toInstant(ZoneOffset.UTC)
                .toEpochMilli();
          }
        }
      } catch (Exception e) {
        return null;
      }
      return null;
    }
  }

  synchronized Worker current() {
    return current;
  }

  /** Starts a new worker and makes it the current one. */
  synchronized Worker replace() throws Exception {
    long at = System.currentTimeMillis();
    Process p = processes.start();
    current = new Worker(p, p.pid(), at, processes.log(p));
    return current;
  }

  /** SIGKILLs the current worker (if it is alive) and returns it; no worker is current after. */
  synchronized Worker kill() throws InterruptedException {
    Worker w = current;
    current = null;
    if (w != null && w.process().isAlive()) {
      WorkerProcesses.kill(w.process());
    }
    return w;
  }

  /** Starts a worker if none is current (a fault was interrupted before it started one). */
  synchronized void ensureOne() throws Exception {
    if (current == null || !current.process().isAlive()) {
      replace();
    }
  }

  int started() {
    return processes.started();
  }

  String output() {
    return processes.output();
  }

  @Override
  public void close() throws InterruptedException {
    processes.close();
  }
}
