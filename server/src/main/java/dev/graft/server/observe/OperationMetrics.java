package dev.graft.server.observe;

import dev.graft.server.operations.OperationReader;
import dev.graft.server.operations.OperationView;
import dev.graft.workflows.expand.OperationState;
import dev.graft.workflows.expand.OperationSummary;
import dev.graft.workflows.step.StepAttempt;
import dev.graft.workflows.step.StepKind;
import dev.graft.workflows.step.StepState;
import dev.graft.workflows.step.StepView;
import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's view of every operation, as gauges, refreshed on a timer from the same reads the API
 * serves (each cluster workflow's {@code operations} query; an operation's detail only while it
 * waits or runs, so a refresh costs one query per cluster plus one detail per operation in flight,
 * of which there is at most one per cluster):
 *
 * <ul>
 *   <li>{@code graft_operations{kind,state}}: operations in flight (queued, running,
 *       needs-attention, waiting-approval) now; ended ones are counted by the workers' {@code
 *       graft_operations_finished_total{kind,state}};
 *   <li>{@code graft_operation_waiting_since_seconds{operation,cluster,kind,reason}}: when the
 *       oldest step or gate that waits on an operator began waiting (Unix seconds), one series per
 *       waiting operation: the operation id is the label the on-call needs at 3 a.m.;
 *   <li>{@code graft_operation_last_progress_seconds{operation,cluster,kind}}: the latest step or
 *       attempt start or end of each operation in flight;
 *   <li>{@code graft_cluster_last_success_seconds{cluster}}: when the cluster's latest operation
 *       that ended done ended;
 *   <li>{@code graft_operations_refresh_seconds} (when the last refresh finished) and {@code
 *       graft_operations_refresh_failures_total}.
 * </ul>
 *
 * <p>Run by the process that serves the API; a refresh that fails leaves the previous values (and
 * counts the failure), so a Temporal outage is its own alert, not a flood of zeros.
 */
public final class OperationMetrics implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(OperationMetrics.class);
  static final List<OperationState> IN_FLIGHT =
      List.of(
          OperationState.QUEUED,
          OperationState.RUNNING,
          OperationState.NEEDS_ATTENTION,
          OperationState.WAITING_APPROVAL);

  /** Details read per refresh at most: a runaway number of clusters cannot stall the refresher. */
  static final int MAX_DETAILS = 100;

  private final OperationReader reader;
  private final MeterRegistry registry;
  private final Duration every;
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();
  private final MultiGauge waiting;
  private final MultiGauge progress;
  private final AtomicLong refreshedAt = new AtomicLong();
  private final Counter failures;
  private ScheduledExecutorService timer;

  public OperationMetrics(OperationReader reader, MeterRegistry registry, Duration every) {
    this.reader = reader;
    this.registry = registry;
    this.every = every;
    for (String kind : List.of("expand", "upgrade")) {
      for (OperationState s : IN_FLIGHT) {
        count(kind, s.wire());
      }
    }
    waiting =
        MultiGauge.builder("graft_operation_waiting_since_seconds")
            .description(
                "When the oldest step or gate of an operation that waits on an operator began waiting (Unix time)")
            .register(registry);
    progress =
        MultiGauge.builder("graft_operation_last_progress_seconds")
            .description("The latest step start or end of an operation in flight (Unix time)")
            .register(registry);
    Gauge.builder("graft_operations_refresh_seconds", refreshedAt, a -> a.get() / 1000.0)
        .description("When the server last read every operation for these gauges (Unix time)")
        .register(registry);
    failures =
        Counter.builder("graft_operations_refresh_failures")
            .description("Refreshes of the operation gauges that failed (Temporal unreachable, …)")
            .register(registry);
  }

  private AtomicLong count(String kind, String state) {
    return counts.computeIfAbsent(
        kind + "|" + state,
        k -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder("graft_operations", v, AtomicLong::get)
              .description("Operations in flight, by kind and state")
              .tags("kind", kind, "state", state)
              .register(registry);
          return v;
        });
  }

  @Override
  public synchronized void start() {
    if (timer != null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "graft-operation-metrics");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::refreshQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() throws InterruptedException {
    if (timer != null) {
      timer.shutdownNow();
      timer.awaitTermination(5, TimeUnit.SECONDS);
      timer = null;
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      failures.increment();
      LOG.warn("operation metrics not refreshed: {}", e.toString());
    }
  }

  /** Reads every operation once and sets the gauges. */
  @SuppressWarnings("unchecked")
  public void refresh() {
    List<OperationSummary> ops = (List<OperationSummary>) reader.list(null).get("operations");
    Map<String, Long> now = new HashMap<>();
    List<MultiGauge.Row<?>> waitingRows = new ArrayList<>();
    List<MultiGauge.Row<?>> progressRows = new ArrayList<>();
    int details = 0;
    for (OperationSummary s : ops) {
      if (s.state() == null) {
        continue;
      }
      String kind = s.kind() == null ? "unknown" : s.kind();
      if (s.state() == OperationState.DONE && s.endedAtMillis() != null && s.cluster() != null) {
        lastSuccess(s.cluster()).accumulateAndGet(s.endedAtMillis(), Math::max);
      }
      if (s.state().terminal()) {
        continue;
      }
      now.merge(kind + "|" + s.state().wire(), 1L, Long::sum);
      if (s.state() == OperationState.QUEUED || details >= MAX_DETAILS) {
        continue;
      }
      details++;
      OperationView v;
      try {
        v = reader.detail(s.id());
      } catch (RuntimeException e) {
        LOG.debug("no detail of {} for metrics: {}", s.id(), e.toString());
        continue;
      }
      Tags tags =
          Tags.of("operation", s.id(), "cluster", String.valueOf(s.cluster()), "kind", kind);
      Long since = waitingSince(v);
      if (since != null) {
        String reason =
            v.state() == OperationState.WAITING_APPROVAL ? "approval" : "needs-attention";
        waitingRows.add(MultiGauge.Row.of(tags.and("reason", reason), since / 1000.0));
      }
      long last = lastProgress(v, s);
      if (last > 0) {
        progressRows.add(MultiGauge.Row.of(tags, last / 1000.0));
      }
    }
    for (Map.Entry<String, AtomicLong> e : counts.entrySet()) {
      e.getValue().set(now.getOrDefault(e.getKey(), 0L));
    }
    now.forEach(
        (k, n) -> {
          String[] p = k.split("\\|", 2);
          count(p[0], p[1]).set(n);
        });
    waiting.register(waitingRows, true);
    progress.register(progressRows, true);
    refreshedAt.set(System.currentTimeMillis());
  }

  private AtomicLong lastSuccess(String cluster) {
    return lastSuccess.computeIfAbsent(
        cluster,
        c -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder("graft_cluster_last_success_seconds", v, a -> a.get() / 1000.0)
              .description("When the cluster's latest operation that ended done ended (Unix time)")
              .tags("cluster", c)
              .register(registry);
          return v;
        });
  }

  /**
   * The oldest wait on an operator: a parked step since its last attempt ended, a gate since it
   * opened.
   */
  static Long waitingSince(OperationView v) {
    Long since = null;
    for (StepView s : allSteps(v)) {
      if (s.state() != StepState.NEEDS_ATTENTION) {
        continue;
      }
      Long t =
          s.kind() == StepKind.GATE
              ? s.startedAtMillis()
              : s.endedAtMillis() != null ? s.endedAtMillis() : s.startedAtMillis();
      if (t != null && (since == null || t < since)) {
        since = t;
      }
    }
    return since;
  }

  /** The latest start or end of any step or attempt, or the operation's start. */
  static long lastProgress(OperationView v, OperationSummary s) {
    long last = s.startedAtMillis() == null ? 0 : s.startedAtMillis();
    for (StepView step : allSteps(v)) {
      last = max(last, step.startedAtMillis(), step.endedAtMillis());
      for (StepAttempt a : step.attemptHistory()) {
        last = max(last, a.startedAtMillis(), a.endedAtMillis());
      }
    }
    return last;
  }

  private static long max(long a, Long b, Long c) {
    long m = a;
    if (b != null && b > m) {
      m = b;
    }
    if (c != null && c > m) {
      m = c;
    }
    return m;
  }

  private static List<StepView> allSteps(OperationView v) {
    List<StepView> out = new ArrayList<>(v.steps());
    for (OperationView.Child c : v.children()) {
      out.addAll(c.steps());
    }
    return out;
  }
}
