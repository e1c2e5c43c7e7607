package dev.graft.activities.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.activities.testing.Prereqs;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bootstrap tokens as kubeadm stores them, and the discovery hash as kubeadm's docs compute it. */
@EnableKubernetesMockClient(crud = true)
class BootstrapTokensTest {
  KubernetesClient client;

  @Test
  void aTokenHasKubeadmsFormatAndIsStoredAsABootstrapTokenSecret() {
    BootstrapTokens.Token token = BootstrapTokens.create(client, Duration.ofMinutes(15), "test");
    assertTrue(token.value().matches("[a-z0-9]{6}\\.[a-z0-9]{16}"), "format");
    assertFalse(token.toString().contains(token.secret()), "toString never shows the secret");
    Secret s =
        client.secrets().inNamespace("kube-system").withName("bootstrap-token-" + token.id()).get();
    assertEquals("bootstrap.kubernetes.io/token", s.getType());
    String stored =
        s.getData() != null && s.getData().get("token-secret") != null
            ? new String(
                Base64.getDecoder().decode(s.getData().get("token-secret")), StandardCharsets.UTF_8)
            : s.getStringData().get("token-secret");
    assertEquals(token.secret(), stored);
    BootstrapTokens.delete(client, token);
    assertEquals(
        null,
        client
            .secrets()
            .inNamespace("kube-system")
            .withName("bootstrap-token-" + token.id())
            .get());
  }

  @Test
  void theCertificateKeyIs64Hex() {
    assertTrue(BootstrapTokens.certificateKey().matches("[0-9a-f]{64}"));
  }

  @Test
  void theDiscoveryHashMatchesOpensslsComputation(@TempDir Path dir) throws Exception {
    Prereqs.requireExecutable("openssl", "/usr/bin/openssl");
    Path key = dir.resolve("ca.key");
    Path crt = dir.resolve("ca.crt");
    run(
        dir,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        crt.toString(),
        "-days",
        "1",
        "-subj",
        "/CN=kubernetes");
    // kubeadm's documented way: openssl x509 -pubkey | openssl rsa -pubin -outform der | sha256sum
    Path pub = dir.resolve("pub.pem");
    run(dir, "openssl", "x509", "-in", crt.toString(), "-pubkey", "-noout", "-out", pub.toString());
    Path der = dir.resolve("pub.der");
    run(
        dir,
        "openssl",
        "pkey",
        "-pubin",
        "-in",
        pub.toString(),
        "-outform",
        "der",
        "-out",
        der.toString());
    String expected =
        "sha256:"
            + java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(der)));
    assertEquals(expected, BootstrapTokens.caCertHash(Files.readString(crt)));
  }

  private static void run(Path dir, String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", argv) + ": " + out);
  }
}
