package dev.graft.activities.kube;

import dev.graft.workflows.FailureTypes;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Long-lived Kubernetes clients, one per kubeconfig reference (a path on the worker), shared by
 * every activity. Requests are bounded and fabric8's own retries are off: Temporal owns retries. A
 * kubeconfig that changes on disk gets a new client.
 */
public final class KubeClients implements AutoCloseable {
  private record Cached(FileTime modified, KubernetesClient client) {}

  private final Duration requestTimeout;
  private final Map<String, Cached> clients = new ConcurrentHashMap<>();

  public KubeClients(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
  }

  /** The client for a kubeconfig path; a missing or unreadable file fails non-retryably. */
  public KubernetesClient forKubeconfig(String path) {
    if (path == null || path.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the cluster has no kubeconfig reference; set kubeconfig in the inventory or pass --kubeconfig",
          FailureTypes.KUBECONFIG_UNREADABLE);
    }
    Path file = Path.of(path);
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(file);
    } catch (IOException e) {
      throw unreadable(path, e);
    }
    Cached cached =
        clients.compute(
            path,
            (k, old) -> {
              if (old != null && old.modified().equals(modified)) {
                return old;
              }
              if (old != null) {
                old.client().close();
              }
              return new Cached(modified, build(file));
            });
    return cached.client();
  }

  private static ApplicationFailure unreadable(String path, IOException e) {
    return ApplicationFailure.newNonRetryableFailure(
        "kubeconfig " + path + " cannot be read on this worker: " + e,
        FailureTypes.KUBECONFIG_UNREADABLE);
  }

  private KubernetesClient build(Path file) {
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (IOException e) {
      throw unreadable(file.toString(), e);
    }
    return fromKubeconfig(yaml, requestTimeout);
  }

  /** A bounded client without retries of its own, from kubeconfig content. */
  public static KubernetesClient fromKubeconfig(String kubeconfigYaml, Duration timeout) {
    Config config = Config.fromKubeconfig(kubeconfigYaml);
    return fromConfig(config, timeout);
  }

  /** Applies Graft's bounds to a fabric8 config and builds the client. */
  public static KubernetesClient fromConfig(Config config, Duration timeout) {
    config.setRequestRetryBackoffLimit(0);
    config.setConnectionTimeout((int) timeout.toMillis());
    config.setRequestTimeout((int) timeout.toMillis());
    config.setWatchReconnectLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Override
  public void close() {
    clients.values().forEach(c -> c.client().close());
    clients.clear();
  }
}
