package dev.graft.lab.host;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Daemon thread pools of the lab, so a forgotten lab never keeps a JVM alive. */
final class Threads {
  /** Unbounded: stream pumps block on I/O and must never wait for each other. */
  static final ExecutorService IO =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "graft-lab-io");
            t.setDaemon(true);
            return t;
          });

  private Threads() {}

  /** A bounded pool for starting hosts in parallel. */
  static ExecutorService bounded(String name, int n) {
    return Executors.newFixedThreadPool(
        n,
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
