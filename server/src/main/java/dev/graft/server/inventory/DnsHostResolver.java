package dev.graft.server.inventory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resolves names with the system resolver, all at once and bounded: the JDK has no timeout of its
 * own for a lookup, so each runs on a daemon thread and whatever has not answered by the deadline
 * counts as unresolvable (and its thread is left to finish on its own). The deadline is for all
 * names together, so a plan waits at most {@code timeout} for DNS.
 */
public final class DnsHostResolver implements HostResolver {
  /**
   * Names looked up per plan, at most; a plan of more host names (node[0:4095] is 4,096) checks the
   * first ones and leaves the rest to the worker's reach step, which fails on a name that does not
   * resolve before anything changes. Together with the deadline this bounds what one request can
   * make the server ask its resolver for.
   */
  static final int MAX_LOOKUPS = 64;

  private final Duration timeout;

  public DnsHostResolver(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public Set<String> unresolvable(Collection<String> hosts) {
    Set<String> bad = new LinkedHashSet<>();
    if (hosts.isEmpty()) {
      return bad;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(16, hosts.size()),
            r -> {
              Thread t = new Thread(r, "graft-dns");
              t.setDaemon(true);
              return t;
            });
    try {
      Map<String, Future<?>> lookups = new LinkedHashMap<>();
      for (String h : new LinkedHashSet<>(hosts)) {
        if (lookups.size() >= MAX_LOOKUPS) {
          break;
        }
        lookups.put(h, pool.submit(() -> InetAddress.getAllByName(h)));
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      for (Map.Entry<String, Future<?>> e : lookups.entrySet()) {
        try {
          e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException ex) {
          bad.add(e.getKey());
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          bad.add(e.getKey());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return bad;
  }
}
