package dev.graft.lab.bootstrap;

import dev.graft.lab.standin.CertKey;
import dev.graft.lab.standin.Pem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** etcd's /health over client-certificate TLS, as `etcdctl endpoint health` checks it. */
public final class EtcdHealth {
  private final HttpClient http;
  private final String endpoint;

  public EtcdHealth(String endpoint, String caPem, CertKey client) {
    this.endpoint = endpoint;
    try {
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      ts.setCertificateEntry("ca", Pem.certificate(caPem));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("client", client.key(), "x".toCharArray(), new Certificate[] {client.cert()});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, "x".toCharArray());
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      http =
          HttpClient.newBuilder()
              .sslContext(ctx)
              .connectTimeout(Duration.ofSeconds(3))
              .version(HttpClient.Version.HTTP_1_1)
              .build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the etcd TLS client", e);
    }
  }

  /** The body of GET /health, e.g. {"health":"true"}. */
  public String health() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  public boolean healthy() {
    try {
      return health().replace(" ", "").contains("\"health\":\"true\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
