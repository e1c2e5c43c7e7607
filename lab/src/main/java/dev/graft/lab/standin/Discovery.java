package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * kubeadm's token discovery: fetch kube-public/cluster-info without trusting the server, wait for
 * the JWS signature of this token (the bootstrap signer adds it a little after the token appears),
 * verify it, check the CA against the pinned hashes, then talk to the API with the CA and the
 * token. The API stand-in does not authenticate, so the stand-in checks the token against its
 * Secret as the API server's bootstrap-token authenticator would.
 */
final class Discovery {
  private static final String PHASE_PREFIX = "couldn't validate the identity of the API Server: ";

  /** What discovery yields: a client authenticated by the token, the server and the CA. */
  record Result(KubeRest api, String server, String caPem) {}

  private Discovery() {}

  static Result run(
      String endpoint, String tokenId, String tokenSecret, List<String> caHashes, Duration timeout)
      throws StandinFailure, IOException {
    KubeRest insecure = KubeRest.insecure("https://" + endpoint, null);
    Instant deadline = Instant.now().plus(timeout);
    String lastError = null;
    JsonNode clusterInfo = null;
    while (true) {
      try {
        JsonNode cm = insecure.get("/api/v1/namespaces/kube-public/configmaps/cluster-info");
        if (cm == null) {
          lastError = "configmaps \"cluster-info\" not found";
        } else if (!cm.path("data").has(BootstrapSignerStandin.JWS_PREFIX + tokenId)) {
          lastError =
              "could not find a JWS signature in the cluster-info ConfigMap for token ID \""
                  + tokenId
                  + "\"";
        } else {
          clusterInfo = cm;
          break;
        }
      } catch (IOException e) {
        lastError =
            "Get \"https://"
                + endpoint
                + "/api/v1/namespaces/kube-public/configmaps/"
                + "cluster-info?timeout=10s\": "
                + (e instanceof ConnectException || e.getCause() instanceof ConnectException
                    ? "dial tcp " + endpoint + ": connect: connection refused"
                    : e.toString());
      }
      if (Instant.now().isAfter(deadline)) {
        throw StandinFailure.phase("preflight", PHASE_PREFIX + lastError);
      }
      sleep(500);
    }
    String kubeconfig = clusterInfo.path("data").path("kubeconfig").asText("");
    String jws =
        clusterInfo.path("data").path(BootstrapSignerStandin.JWS_PREFIX + tokenId).asText();
    if (!Jws.verifyDetached(jws, kubeconfig, tokenId, tokenSecret)) {
      throw StandinFailure.phase(
          "preflight",
          PHASE_PREFIX
              + "failed to verify JWS signature of"
              + " received cluster info object, can't trust this API Server");
    }
    Kubeconfig info = Kubeconfig.parse(kubeconfig, null);
    if (info.caPem() == null) {
      throw StandinFailure.phase("preflight", PHASE_PREFIX + "cluster-info kubeconfig has no CA");
    }
    X509Certificate ca = Pem.certificate(info.caPem());
    String actual = Pki.caCertHash(ca);
    if (!caHashes.isEmpty() && caHashes.stream().noneMatch(h -> h.equalsIgnoreCase(actual))) {
      throw StandinFailure.phase(
          "preflight",
          PHASE_PREFIX
              + "cluster CA found in cluster-info"
              + " ConfigMap is invalid: none of the public keys \""
              + actual
              + "\" are pinned");
    }
    KubeRest api =
        KubeRest.fromKubeconfig(
            new Kubeconfig(
                "kubernetes",
                info.server(),
                info.caPem(),
                "tls-bootstrap-token-user",
                null,
                null,
                tokenId + "." + tokenSecret));
    authenticate(api, tokenId, tokenSecret);
    return new Result(api, info.server(), info.caPem());
  }

  private static void authenticate(KubeRest api, String id, String secret)
      throws StandinFailure, IOException {
    JsonNode s = api.get("/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + id);
    String reason = null;
    if (s == null || !"bootstrap.kubernetes.io/token".equals(s.path("type").asText())) {
      reason = "no bootstrap-token Secret for token ID \"" + id + "\"";
    } else {
      JsonNode d = s.path("data");
      if (!secret.equals(decode(d, "token-secret"))) {
        reason = "token secret does not match";
      } else if (!"true".equals(decode(d, "usage-bootstrap-authentication"))) {
        reason = "token is not usable for authentication";
      } else if (BootstrapSignerStandin.expired(decode(d, "expiration"), Instant.now())) {
        reason = "token has expired";
      }
    }
    if (reason != null) {
      throw StandinFailure.phase(
          "preflight",
          "unable to fetch the kubeadm-config ConfigMap:"
              + " failed to get config map: Unauthorized (API stand-in: "
              + reason
              + ")");
    }
  }

  private static String decode(JsonNode data, String key) {
    String v = data.path(key).asText(null);
    return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }

  static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
