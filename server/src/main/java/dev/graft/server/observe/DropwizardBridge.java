package dev.graft.server.observe;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.MetricRegistryListener;
import com.codahale.metrics.Timer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dropwizard's own metrics (Jetty's requests, responses by class, thread pools, connections) in the
 * Micrometer registry, so {@code /prometheus} has them too, named {@code dropwizard_<name in snake
 * case>}. Dropwizard's JVM metrics ({@code jvm.*}) are left out: Micrometer's binders report the
 * JVM.
 *
 * <p>A listener, so the metrics Jetty registers once it starts (after {@code run()}) come along.
 * Counters and gauges become gauges; meters, histograms and timers their counts (the rates and
 * quantiles are Prometheus's to compute), timers also their 99th percentile in seconds.
 */
final class DropwizardBridge extends MetricRegistryListener.Base {
  private static final Logger LOG = LoggerFactory.getLogger(DropwizardBridge.class);
  private final MeterRegistry target;

  private DropwizardBridge(MeterRegistry target) {
    this.target = target;
  }

  static void bridge(MetricRegistry source, MeterRegistry target) {
    source.addListener(new DropwizardBridge(target));
  }

  private static boolean skipped(String name) {
    return name.startsWith("jvm.") || name.startsWith("jvm_");
  }

  /**
   * {@code dropwizard.} and the name in snake case, as Prometheus names go
   * (MutableServletContextHandler → mutable_servlet_context_handler).
   */
  private static String name(String dropwizardName) {
    return "dropwizard."
        + dropwizardName.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  @Override
  public void onGaugeAdded(String name, Gauge<?> gauge) {
    if (skipped(name)) {
      return;
    }
    register(
        name,
        () ->
            io.micrometer.core.instrument.Gauge.builder(name(name), gauge, DropwizardBridge::number)
                .register(target));
  }

  @Override
  public void onCounterAdded(String name, Counter counter) {
    if (skipped(name)) {
      return;
    }
    register(
        name,
        () ->
            io.micrometer.core.instrument.Gauge.builder(name(name), counter, Counter::getCount)
                .register(target));
  }

  @Override
  public void onMeterAdded(String name, Meter meter) {
    if (skipped(name)) {
      return;
    }
    register(
        name, () -> FunctionCounter.builder(name(name), meter, Meter::getCount).register(target));
  }

  @Override
  public void onHistogramAdded(String name, Histogram histogram) {
    if (skipped(name)) {
      return;
    }
    register(
        name,
        () -> FunctionCounter.builder(name(name), histogram, Histogram::getCount).register(target));
  }

  @Override
  public void onTimerAdded(String name, Timer timer) {
    if (skipped(name)) {
      return;
    }
    register(
        name,
        () -> {
          FunctionCounter.builder(name(name), timer, Timer::getCount).register(target);
          io.micrometer.core.instrument.Gauge.builder(
                  name(name) + ".p99.seconds",
                  timer,
                  t -> t.getSnapshot().get99thPercentile() / TimeUnit.SECONDS.toNanos(1))
              .register(target);
        });
  }

  private static double number(Gauge<?> gauge) {
    Object v;
    try {
      v = gauge.getValue();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
    return v instanceof Number n
        ? n.doubleValue()
        : v instanceof Boolean b ? (b ? 1 : 0) : Double.NaN;
  }

  /**
   * A name Prometheus cannot hold beside another (same name after sanitising) is left out, logged.
   */
  private static void register(String name, Runnable registration) {
    try {
      registration.run();
    } catch (RuntimeException e) {
      LOG.debug("dropwizard metric {} not bridged: {}", name, e.toString());
    }
  }
}
