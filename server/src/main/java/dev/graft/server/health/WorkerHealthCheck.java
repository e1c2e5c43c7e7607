package dev.graft.server.health;

import com.codahale.metrics.health.HealthCheck;
import dev.graft.server.worker.GraftWorker;

/** The worker is started and polling its task queue. */
public final class WorkerHealthCheck extends HealthCheck {
  private final GraftWorker worker;
  private final String taskQueue;

  public WorkerHealthCheck(GraftWorker worker, String taskQueue) {
    this.worker = worker;
    this.taskQueue = taskQueue;
  }

  @Override
  protected Result check() {
    String reason = worker.notPollingReason();
    if (reason != null) {
      return Result.unhealthy("%s (task queue %s)", reason, taskQueue);
    }
    return Result.healthy("polling task queue %s", taskQueue);
  }
}
