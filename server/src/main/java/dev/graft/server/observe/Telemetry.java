package dev.graft.server.observe;

import com.codahale.metrics.MetricRegistry;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import java.util.Map;

/**
 * One process's metrics, in Prometheus format on the admin port ({@code /prometheus}): Graft's own
 * (operations, steps, SSH, the etcd gate), the Temporal SDK's (worker slots, pollers, poll and
 * schedule-to-start latencies, through {@link MicrometerClientStatsReporter}, tagged with the
 * process's Temporal identity), the JVM's (Micrometer's binders) and Jetty's (Dropwizard's own
 * registry, bridged: {@link DropwizardBridge}).
 *
 * <p>Histograms are bounded: every timer publishes a fixed set of buckets chosen by its name (a
 * step takes seconds to many minutes, an SSH command milliseconds to minutes, a Temporal poll
 * milliseconds to a minute) instead of Micrometer's ~70 default buckets per series.
 */
public final class Telemetry implements Managed {
  /** The tag every Temporal SDK metric (and every workflow-scope metric) carries. */
  public static final String IDENTITY_TAG = "worker_identity";

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private Scope temporalScope;

  public Telemetry() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(buckets());
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * The scope the Temporal SDK reports to (set on the service stubs, so the workers built on them
   * and workflow code's {@code Workflow.getMetricsScope()} use it): flushed every second into the
   * Micrometer registry, every series tagged with this process's identity.
   */
  public synchronized Scope temporalScope(String identity) {
    if (temporalScope == null) {
      temporalScope =
          new RootScopeBuilder()
              .reporter(new MicrometerClientStatsReporter(registry))
              .tags(Map.of(IDENTITY_TAG, identity))
              .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
    }
    return temporalScope;
  }

  /**
   * Dropwizard's registry (Jetty's requests, responses, thread pools) in this one: {@link
   * DropwizardBridge}.
   */
  public static void bridge(MetricRegistry dropwizard, Telemetry telemetry) {
    DropwizardBridge.bridge(dropwizard, telemetry.registry);
  }

  @Override
  public void start() {}

  @Override
  public synchronized void stop() throws Exception {
    if (temporalScope != null) {
      temporalScope.close();
      temporalScope = null;
    }
    gc.close();
    registry.close();
  }

  /** Bucket boundaries by the timer's name (see the class comment). */
  private static MeterFilter buckets() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER) {
          return config;
        }
        Duration[] slos =
            id.getName().startsWith("graft_step")
                ? seconds(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)
                : id.getName().startsWith("graft_ssh")
                    ? millis(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 15000, 60000, 300000)
                    : millis(
                        1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000);
        return DistributionStatisticConfig.builder()
            .percentilesHistogram(false)
            .serviceLevelObjectives(nanos(slos))
            .build()
            .merge(config);
      }
    };
  }

  private static Duration[] seconds(long... s) {
    Duration[] out = new Duration[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = Duration.ofSeconds(s[i]);
    }
    return out;
  }

  private static Duration[] millis(long... ms) {
    Duration[] out = new Duration[ms.length];
    for (int i = 0; i < ms.length; i++) {
      out[i] = Duration.ofMillis(ms[i]);
    }
    return out;
  }

  private static double[] nanos(Duration[] d) {
    double[] out = new double[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = d[i].toNanos();
    }
    return out;
  }
}
