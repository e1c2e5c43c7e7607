package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A minimal Kubernetes REST client for the stand-in processes that run on lab hosts (kubeadm,
 * kubelet). It is deliberately not fabric8: these JVMs start often and live with a 64 MB heap, and
 * plain java.net.http plus Jackson loads a fraction of the classes. Every request is bounded.
 */
public final class KubeRest {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http;
  private final String server;
  private final String bearer;

  private KubeRest(HttpClient http, String server, String bearer) {
    this.http = http;
    this.server = server.replaceAll("/+$", "");
    this.bearer = bearer;
  }

  /** A client with the kubeconfig's CA, client certificate and/or token. */
  public static KubeRest fromKubeconfig(Kubeconfig k) throws IOException {
    return new KubeRest(client(sslContext(trust(k.caPem()), keys(k))), k.server(), k.token());
  }

  /**
   * A client that trusts any server certificate, for what kubeadm fetches before it knows the CA:
   * kube-public/cluster-info, which it then verifies by the token's JWS and the CA pin.
   */
  public static KubeRest insecure(String server, String bearer) throws IOException {
    return new KubeRest(
        client(sslContext(new TrustManager[] {new TrustAll()}, null)), server, bearer);
  }

  /** A client on the same server with another bearer token (TLS bootstrap with a token). */
  public KubeRest withBearer(String token) {
    return new KubeRest(http, server, token);
  }

  public String server() {
    return server;
  }

  /** The object at path, or null when the API answers 404. */
  public JsonNode get(String path) throws IOException {
    Response r = send("GET", path, null, null);
    if (r.status() == 404) {
      return null;
    }
    return r.require("GET " + path);
  }

  public JsonNode post(String path, JsonNode body) throws IOException {
    return send("POST", path, body.toString(), "application/json").require("POST " + path);
  }

  public JsonNode put(String path, JsonNode body) throws IOException {
    return send("PUT", path, body.toString(), "application/json").require("PUT " + path);
  }

  public JsonNode mergePatch(String path, JsonNode patch) throws IOException {
    return send("PATCH", path, patch.toString(), "application/merge-patch+json")
        .require("PATCH " + path);
  }

  /** Deletes; a 404 counts as done. */
  public void delete(String path) throws IOException {
    Response r = send("DELETE", path, null, null);
    if (r.status() != 404) {
      r.require("DELETE " + path);
    }
  }

  public Response send(String method, String path, String body, String contentType)
      throws IOException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server + path))
            .timeout(TIMEOUT)
            .header("Accept", "application/json");
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    try {
      HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(resp.statusCode(), resp.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted during " + method + " " + path, e);
    }
  }

  /** An API answer: status code and body. */
  public record Response(int status, String body) {
    public JsonNode require(String what) throws IOException {
      if (status / 100 != 2) {
        throw new KubeApiException(status, what + ": " + message());
      }
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    }

    String message() {
      try {
        JsonNode n = JSON.readTree(body);
        if (n != null && n.has("message")) {
          return n.get("message").asText() + " (HTTP " + status + ")";
        }
      } catch (IOException e) {
        // Not a Status object: report the raw body below.
      }
      return "HTTP " + status + (body == null ? "" : " " + body.strip());
    }
  }

  /** A non-2xx answer from the API. */
  public static final class KubeApiException extends IOException {
    private final int status;

    public KubeApiException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private static HttpClient client(SSLContext ctx) {
    // HTTP/1.1: the API stand-in's TLS front speaks no ALPN, and h2 gains nothing here.
    return HttpClient.newBuilder()
        .sslContext(ctx)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static TrustManager[] trust(String caPem) throws IOException {
    if (caPem == null) {
      throw new IOException(
          "kubeconfig has no certificate-authority-data: refusing to trust any" + " server");
    }
    try {
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      int i = 0;
      for (X509Certificate c : Pem.certificates(caPem)) {
        ts.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      return tmf.getTrustManagers();
    } catch (Exception e) {
      throw new IOException("cannot load the kubeconfig CA", e);
    }
  }

  private static KeyManager[] keys(Kubeconfig k) throws IOException {
    if (k.certPem() == null || k.keyPem() == null) {
      return null;
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] pw = "kube".toCharArray();
      ks.setKeyEntry(
          "client",
          Pem.privateKey(k.keyPem()),
          pw,
          Pem.certificates(k.certPem()).toArray(new Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      return kmf.getKeyManagers();
    } catch (Exception e) {
      throw new IOException("cannot load the kubeconfig client certificate", e);
    }
  }

  private static SSLContext sslContext(TrustManager[] trust, KeyManager[] keys) throws IOException {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, null);
      return ctx;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  /** Accepts any server: used only to fetch what is verified afterwards (cluster-info). */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] c, String a) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a) {}

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
