package dev.graft.activities.etcd;

import dev.graft.workflows.FailureTypes;
import dev.graft.workflows.model.EtcdSpec;
import io.etcd.jetcd.Client;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Long-lived jetcd clients shared by every etcd activity, one per set of endpoints and TLS files
 * (the least recently used are closed beyond {@link #MAX_CLIENTS}). Each client connects within the
 * timeout and never retries on its own: Temporal owns retries.
 *
 * <p>A client whose call failed without an answer is replaced through {@link #reconnect}: gRPC
 * keeps the channel of a peer that went away in TRANSIENT_FAILURE and tries again only when its
 * reconnect backoff (1 s, growing by 1.6 up to 120 s) runs out, and until then every call fails at
 * once with UNAVAILABLE "Connection refused", even after the member is back, so a quorum gate
 * retried right after a member returned would fail again for no reason.
 */
public final class EtcdClients implements AutoCloseable {
  static final int MAX_CLIENTS = 32;

  private record Key(List<String> endpoints, EtcdTls tls) {}

  private final Duration timeout;
  private final Map<Key, Client> clients =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Client> eldest) {
          if (size() > MAX_CLIENTS) {
            eldest.getValue().close();
            return true;
          }
          return false;
        }
      };

  /** Replaced clients, closed once the calls still running on them have had their timeout. */
  private final Set<Client> retiredClients = new HashSet<>();

  private final ScheduledExecutorService retired =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "etcd-clients-retired");
            t.setDaemon(true);
            return t;
          });

  public EtcdClients(Duration timeout) {
    this.timeout = timeout;
  }

  public Duration timeout() {
    return timeout;
  }

  public static EtcdTls tls(EtcdSpec spec) {
    return new EtcdTls(spec.caCert(), spec.clientCert(), spec.clientKey());
  }

  /** The client for the spec's endpoints. */
  public Client forSpec(EtcdSpec spec) {
    if (spec.endpoints().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "no etcd endpoint given: set etcd.endpoints in the inventory",
          FailureTypes.INVALID_INPUT);
    }
    return forEndpoints(spec.endpoints(), tls(spec));
  }

  /**
   * The client for exactly these endpoints; missing TLS files fail non-retryably, naming the path.
   */
  public synchronized Client forEndpoints(List<String> endpoints, EtcdTls tls) {
    Key key = new Key(List.copyOf(endpoints), tls);
    Client c = clients.get(key);
    if (c != null) {
      return c;
    }
    for (String f : new String[] {tls.caCert(), tls.clientCert(), tls.clientKey()}) {
      if (f != null && !Files.isReadable(Path.of(f))) {
        throw ApplicationFailure.newNonRetryableFailure(
            "etcd TLS file " + f + " cannot be read on this worker",
            FailureTypes.ETCD_TLS_UNREADABLE);
      }
    }
    try {
      c = EtcdMemberReader.client(endpoints, tls, timeout);
    } catch (SSLException | RuntimeException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "etcd TLS files ("
              + tls.caCert()
              + ", "
              + tls.clientCert()
              + ") are not usable: "
              + e.getMessage(),
          FailureTypes.ETCD_TLS_UNREADABLE);
    }
    clients.put(key, c);
    return c;
  }

  /**
   * A new client for these endpoints in place of {@code failed}, whose call failed without an
   * answer (its channel may sit in its reconnect backoff). When another activity replaced it
   * already, that replacement is returned. The failed client is closed later, not now: other
   * activities may have calls running on it, and closing would cancel them.
   */
  public synchronized Client reconnect(List<String> endpoints, EtcdTls tls, Client failed) {
    Key key = new Key(List.copyOf(endpoints), tls);
    Client current = clients.get(key);
    if (current != null && current != failed) {
      return current;
    }
    if (current != null) {
      clients.remove(key);
      retiredClients.add(current);
      retired.schedule(
          () -> closeRetired(current), timeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
    }
    return forEndpoints(endpoints, tls);
  }

  private void closeRetired(Client c) {
    synchronized (this) {
      if (!retiredClients.remove(c)) {
        return;
      }
    }
    c.close();
  }

  @Override
  public synchronized void close() {
    retired.shutdownNow();
    retiredClients.forEach(Client::close);
    retiredClients.clear();
    clients.values().forEach(Client::close);
    clients.clear();
  }
}
