package dev.graft.server;

/**
 * What one Graft process runs. The command picks it: {@code server}, {@code worker} or {@code dev}.
 */
public enum Mode {
  /** REST API and web UI; a client of Temporal. */
  SERVER,
  /** A worker polling the task queue; only the admin connector listens. */
  WORKER,
  /** Embedded in-memory Temporal, a worker and the server in one process. */
  DEV;

  public boolean runsWorker() {
    return this != SERVER;
  }

  public boolean servesApi() {
    return this != WORKER;
  }
}
