package dev.graft.activities.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * kubeadm's bootstrap tokens and discovery hash, done through the API as kubeadm does them: a
 * {@code bootstrap-token-<id>} Secret in kube-system, and the SHA-256 of the cluster CA's
 * SubjectPublicKeyInfo. Tokens are minted, used and deleted inside one activity.
 */
public final class BootstrapTokens {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A token id and secret; {@link #toString} never prints the secret. */
  public record Token(String id, String secret) {
    public String value() {
      return id + "." + secret;
    }

    @Override
    public String toString() {
      return "bootstrap token " + id + ".<redacted>";
    }
  }

  private BootstrapTokens() {}

  static String random(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }

  /** Mints a token ([a-z0-9]{6}.[a-z0-9]{16}) and stores it as kubeadm does, with a TTL. */
  public static Token create(KubernetesClient kube, Duration ttl, String description) {
    Token token = new Token(random(6), random(16));
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName("bootstrap-token-" + token.id())
            .withNamespace("kube-system")
            .addToLabels("graft.dev/managed", "true")
            .endMetadata()
            .withType("bootstrap.kubernetes.io/token")
            .withStringData(
                Map.of(
                    "token-id",
                    token.id(),
                    "token-secret",
                    token.secret(),
                    "expiration",
                    Instant.now().plus(ttl).truncatedTo(ChronoUnit.SECONDS).toString(),
                    "usage-bootstrap-authentication",
                    "true",
                    "usage-bootstrap-signing",
                    "true",
                    "auth-extra-groups",
                    "system:bootstrappers:kubeadm:default-node-token",
                    "description",
                    description))
            .build();
    kube.secrets().inNamespace("kube-system").resource(secret).create();
    return token;
  }

  public static void delete(KubernetesClient kube, Token token) {
    kube.secrets().inNamespace("kube-system").withName("bootstrap-token-" + token.id()).delete();
  }

  /** 64 hex digits for kubeadm's --certificate-key (an AES-256 key). */
  public static String certificateKey() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return HexFormat.of().formatHex(key);
  }

  /**
   * "sha256:<hex>" of the CA's SubjectPublicKeyInfo, as --discovery-token-ca-cert-hash wants it.
   */
  public static String caCertHash(String caPem) {
    try {
      X509Certificate ca =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(
                      new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
      byte[] spki = ca.getPublicKey().getEncoded();
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki));
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "the cluster CA is not a PEM certificate: " + e.getMessage(), e);
    }
  }

  /** The CA PEM from a client's configuration (certificate-authority-data or file). */
  public static String caPem(KubernetesClient kube) {
    var config = kube.getConfiguration();
    try {
      if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
        return new String(
            Base64.getDecoder().decode(config.getCaCertData().trim()), StandardCharsets.US_ASCII);
      }
      if (config.getCaCertFile() != null) {
        return Files.readString(Path.of(config.getCaCertFile()));
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot read the cluster CA from the kubeconfig: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(
        "the kubeconfig has no certificate-authority(-data): Graft needs the cluster CA to compute the discovery hash");
  }
}
