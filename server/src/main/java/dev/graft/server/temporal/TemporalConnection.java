package dev.graft.server.temporal;

import com.uber.m3.tally.Scope;
import io.dropwizard.lifecycle.Managed;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The managed connection to Temporal: {@link WorkflowServiceStubs} and the {@link WorkflowClient}
 * on top of it. The stubs connect lazily, so the server starts (and its health check says why) even
 * while Temporal is down.
 */
public final class TemporalConnection implements Managed {
  private final TemporalSettings settings;
  private final String identity;
  private volatile WorkflowServiceStubs stubs;
  private volatile WorkflowClient client;

  /**
   * The SDK's metrics (worker slots, pollers, latencies; workflow code's metrics scope), or null.
   */
  private final Scope metricsScope;

  public TemporalConnection(TemporalSettings settings, String identity) {
    this(settings, identity, null);
  }

  /**
   * @param metricsScope where the SDK reports its metrics (and workflows theirs); null: nowhere
   */
  public TemporalConnection(TemporalSettings settings, String identity, Scope metricsScope) {
    this.settings = settings;
    this.identity = identity;
    this.metricsScope = metricsScope;
  }

  @Override
  public synchronized void start() throws Exception {
    if (stubs != null) {
      return;
    }
    WorkflowServiceStubsOptions.Builder options =
        WorkflowServiceStubsOptions.newBuilder()
            .setTarget(settings.getTarget())
            .setRpcTimeout(settings.getRpcTimeout().toJavaDuration());
    if (metricsScope != null) {
      options.setMetricsScope(metricsScope);
    }
    TlsSettings tls = settings.getTls();
    if (tls.isEnabled()) {
      options.setSslContext(sslContext(tls));
      if (tls.getServerName() != null && !tls.getServerName().isBlank()) {
        options.setChannelInitializer(b -> b.overrideAuthority(tls.getServerName()));
      }
    }
    stubs = WorkflowServiceStubs.newServiceStubs(options.build());
    client =
        WorkflowClient.newInstance(
            stubs,
            WorkflowClientOptions.newBuilder()
                .setNamespace(settings.getNamespace())
                .setIdentity(identity)
                .build());
  }

  private static SslContext sslContext(TlsSettings tls) throws Exception {
    if (tls.getClientCertPath() == null || tls.getClientKeyPath() == null) {
      throw new IllegalArgumentException(
          "temporal.tls.enabled is true but temporal.tls.clientCertPath or clientKeyPath is empty");
    }
    try (InputStream cert = new FileInputStream(tls.getClientCertPath());
        InputStream key = new FileInputStream(tls.getClientKeyPath())) {
      SimpleSslContextBuilder builder = SimpleSslContextBuilder.forPKCS8(cert, key);
      if (tls.getCaCertPath() != null && !tls.getCaCertPath().isBlank()) {
        builder.setTrustManager(trustManagerFor(tls.getCaCertPath()));
      }
      return builder.build();
    }
  }

  private static TrustManager trustManagerFor(String caPath) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = new FileInputStream(caPath)) {
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, (X509Certificate) cert);
      }
      if (i == 0) {
        throw new IOException("temporal.tls.caCertPath " + caPath + " holds no certificate");
      }
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers()[0];
  }

  @Override
  public synchronized void stop() throws Exception {
    if (stubs != null) {
      stubs.shutdown();
      if (!stubs.awaitTermination(5, TimeUnit.SECONDS)) {
        stubs.shutdownNow();
        stubs.awaitTermination(5, TimeUnit.SECONDS);
      }
      stubs = null;
      client = null;
    }
  }

  public WorkflowServiceStubs stubs() {
    WorkflowServiceStubs s = stubs;
    if (s == null) {
      throw new IllegalStateException("Temporal connection is not started");
    }
    return s;
  }

  public WorkflowClient client() {
    WorkflowClient c = client;
    if (c == null) {
      throw new IllegalStateException("Temporal connection is not started");
    }
    return c;
  }

  public TemporalSettings settings() {
    return settings;
  }

  public String identity() {
    return identity;
  }
}
