package dev.graft.activities.etcd;

import dev.graft.workflows.model.EtcdSpec;
import io.etcd.jetcd.Client;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * Long-lived jetcd clients shared by every etcd activity, one per set of endpoints and TLS files
 * (the least recently used are closed beyond {@link #MAX_CLIENTS}). Each client connects within
 * the timeout and never retries on its own: Temporal owns retries.
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
          "no etcd endpoint given: set etcd.endpoints in the inventory", "InvalidInput");
    }
    return forEndpoints(spec.endpoints(), tls(spec));
  }

  /** The client for exactly these endpoints; missing TLS files fail non-retryably, naming the path. */
  public synchronized Client forEndpoints(List<String> endpoints, EtcdTls tls) {
    Key key = new Key(List.copyOf(endpoints), tls);
    Client c = clients.get(key);
    if (c != null) {
      return c;
    }
    for (String f : new String[] {tls.caCert(), tls.clientCert(), tls.clientKey()}) {
      if (f != null && !Files.isReadable(Path.of(f))) {
        throw ApplicationFailure.newNonRetryableFailure(
            "etcd TLS file " + f + " cannot be read on this worker", "EtcdTlsUnreadable");
      }
    }
    try {
      c = EtcdMemberReader.client(endpoints, tls, timeout);
    } catch (SSLException | RuntimeException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "etcd TLS files (" + tls.caCert() + ", " + tls.clientCert() + ") are not usable: " + e.getMessage(),
          "EtcdTlsUnreadable");
    }
    clients.put(key, c);
    return c;
  }

  @Override
  public synchronized void close() {
    clients.values().forEach(Client::close);
    clients.clear();
  }
}
