package dev.graft.activities.ssh;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * SSH latency as Graft's metrics show it: {@code graft_ssh_connect_seconds{result}} (TCP, host key
 * and authentication of a new session) and {@code graft_ssh_command_seconds{result}} (one command,
 * from lease to exit status). Labels are results only, never hosts: a fleet of hundreds of nodes
 * would otherwise make hundreds of series per worker; the step metrics and the logs name the node.
 */
public final class SshMetrics {
  /** Meters registered nowhere (Micrometer's empty global registry): for tests and tools. */
  public static final SshMetrics NONE = new SshMetrics(Metrics.globalRegistry);

  static final String CONNECT = "graft_ssh_connect";
  static final String COMMAND = "graft_ssh_command";

  private final MeterRegistry registry;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public SshMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Registered up front, so the series (and the names alert rules use) exist before the first SSH
    // call; a result seen later adds its own series.
    for (String r : new String[] {"ok", "unreachable", "auth-failed", "host-key", "error"}) {
      timer(CONNECT, r);
    }
    for (String r : new String[] {"completed", "timeout", "unreachable", "error"}) {
      timer(COMMAND, r);
    }
  }

  void connect(long startNanos, String result) {
    timer(CONNECT, result).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void command(long startNanos, String result) {
    timer(COMMAND, result).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  private Timer timer(String name, String result) {
    return timers.computeIfAbsent(
        name + "|" + result,
        k ->
            Timer.builder(name)
                .description(
                    CONNECT.equals(name)
                        ? "SSH session setup: TCP, host key, authentication"
                        : "One remote command, from lease to exit status")
                .tag("result", result)
                .register(registry));
  }

  /** The result label of an SSH failure: what kind of failure, in a bounded set of words. */
  static String resultOf(RuntimeException e) {
    if (e instanceof SshCommandTimeoutException) {
      return "timeout";
    }
    if (e instanceof SshAuthFailedException) {
      return "auth-failed";
    }
    if (e instanceof UnknownHostKeyException || e instanceof HostKeyMismatchException) {
      return "host-key";
    }
    if (e instanceof SshUnreachableException) {
      return "unreachable";
    }
    return "error";
  }
}
