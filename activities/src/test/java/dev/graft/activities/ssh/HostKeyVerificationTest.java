package dev.graft.activities.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strict host-key verification against a real (in-process MINA) SSH server. */
class HostKeyVerificationTest {
  private static final String HOST = "127.0.0.1";
  @TempDir static Path dir;
  static KeyPair hostEd25519;
  static KeyPair hostRsa;
  static KeyPair client;
  static Path clientKey;
  static MinaTestServer server;
  static SshConnectionPool pool;
  static SshExecutor shell;

  @BeforeAll
  static void start() throws Exception {
    hostEd25519 = SshTestKeys.ed25519();
    hostRsa = SshTestKeys.rsa();
    client = SshTestKeys.ed25519();
    clientKey = SshTestKeys.writePrivateKey(dir.resolve("id_ed25519"), client);
    server = MinaTestServer.start(dir, List.of(hostEd25519, hostRsa), client.getPublic(), Map.of());
    SshPoolSettings settings = SshPoolSettings.defaults().withConnectTimeout(Duration.ofSeconds(5));
    pool = new SshConnectionPool(settings);
    shell = new SshExecutor(pool, settings);
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close();
    server.close();
  }

  private static SshTarget target(Path knownHosts, String pinned) {
    return new SshTarget(
        HOST,
        server.port(),
        "root",
        clientKey.toString(),
        knownHosts == null ? null : knownHosts.toString(),
        pinned,
        false);
  }

  private static String echo(SshTarget target) {
    return shell.run(target, RemoteCommand.of("echo ok", Duration.ofSeconds(10))).stdoutTail();
  }

  private static Path knownHosts(String name, String... lines) throws Exception {
    return SshTestKeys.writeKnownHosts(dir.resolve(name), lines);
  }

  @Test
  void acceptsKeyListedAsBracketedHostAndPort() throws Exception {
    Path kh =
        knownHosts(
            "kh-plain", SshTestKeys.plainEntry(HOST, server.port(), hostEd25519.getPublic()));
    assertEquals("ok\n", echo(target(kh, null)));
  }

  @Test
  void acceptsHashedEntry() throws Exception {
    Path kh =
        knownHosts(
            "kh-hashed", SshTestKeys.hashedEntry(HOST, server.port(), hostEd25519.getPublic()));
    assertEquals("ok\n", echo(target(kh, null)));
  }

  @Test
  void bareHostEntryOnlyCoversPort22() throws Exception {
    Path kh = knownHosts("kh-bare", HOST + " " + SshTestKeys.publicLine(hostEd25519.getPublic()));
    UnknownHostKeyException e =
        assertThrows(UnknownHostKeyException.class, () -> echo(target(kh, null)));
    assertTrue(e.getMessage().contains("[127.0.0.1]:" + server.port()), e.getMessage());
  }

  @Test
  void asksForTheKeyTypeItKnowsWhenTheServerHasSeveral() throws Exception {
    // The server offers ed25519 and RSA; with only the RSA key listed, the client must ask for RSA.
    Path kh =
        knownHosts(
            "kh-rsa-only",
            "# comment line",
            "",
            SshTestKeys.plainEntry("other.example", 22, hostEd25519.getPublic()),
            SshTestKeys.plainEntry(HOST, server.port(), hostRsa.getPublic()));
    assertEquals("ok\n", echo(target(kh, null)));
  }

  @Test
  void acceptsPinnedKeyAndPinnedFingerprintWithoutKnownHosts() {
    assertEquals("ok\n", echo(target(null, SshTestKeys.publicLine(hostEd25519.getPublic()))));
    assertEquals("ok\n", echo(target(null, HostKeyPolicy.fingerprint(hostEd25519.getPublic()))));
  }

  @Test
  void unknownKeyFailsNamingHostAndFingerprintSeen() throws Exception {
    Path kh =
        knownHosts(
            "kh-other-host", SshTestKeys.plainEntry("10.213.0.99", 22, hostEd25519.getPublic()));
    UnknownHostKeyException e =
        assertThrows(UnknownHostKeyException.class, () -> echo(target(kh, null)));
    String seen = HostKeyPolicy.fingerprint(hostEd25519.getPublic());
    assertTrue(seen.startsWith("SHA256:") && !seen.endsWith("="), seen);
    assertEquals(seen, e.seenFingerprint());
    assertTrue(e.getMessage().contains(seen), e.getMessage());
    assertTrue(e.getMessage().contains("[127.0.0.1]:" + server.port()), e.getMessage());
    assertTrue(e.getMessage().contains(kh.toString()), e.getMessage());
    assertFalse(e.retryable());
    assertEquals("SshHostKeyUnknown", e.type());
  }

  @Test
  void changedKeyFailsWithBothFingerprints() throws Exception {
    KeyPair impostor = SshTestKeys.ed25519();
    Path kh =
        knownHosts(
            "kh-changed", SshTestKeys.hashedEntry(HOST, server.port(), impostor.getPublic()));
    HostKeyMismatchException e =
        assertThrows(HostKeyMismatchException.class, () -> echo(target(kh, null)));
    String seen = HostKeyPolicy.fingerprint(hostEd25519.getPublic());
    String expected = HostKeyPolicy.fingerprint(impostor.getPublic());
    assertEquals(seen, e.seenFingerprint());
    assertTrue(e.getMessage().contains(seen) && e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains("CHANGED"), e.getMessage());
    assertEquals("SshHostKeyMismatch", e.type());
  }

  @Test
  void changedPinFailsEvenWhenAGoodSessionIsPooled() throws Exception {
    Path kh =
        knownHosts("kh-good", SshTestKeys.plainEntry(HOST, server.port(), hostEd25519.getPublic()));
    assertEquals("ok\n", echo(target(kh, null)));
    String wrongPin = SshTestKeys.publicLine(SshTestKeys.ed25519().getPublic());
    assertThrows(HostKeyMismatchException.class, () -> echo(target(kh, wrongPin)));
  }

  @Test
  void revokedKeyIsRefusedEvenIfAlsoListed() throws Exception {
    String line = SshTestKeys.plainEntry(HOST, server.port(), hostEd25519.getPublic());
    Path kh = knownHosts("kh-revoked", line, "@revoked " + line);
    HostKeyMismatchException e =
        assertThrows(HostKeyMismatchException.class, () -> echo(target(kh, null)));
    assertTrue(e.getMessage().contains("REVOKED"), e.getMessage());
  }

  @Test
  void missingTrustSourcesAreConfigErrors() {
    SshConfigException none =
        assertThrows(SshConfigException.class, () -> echo(target(null, null)));
    assertTrue(none.getMessage().contains("never accepts"), none.getMessage());
    SshConfigException missing =
        assertThrows(SshConfigException.class, () -> echo(target(dir.resolve("nope"), null)));
    assertTrue(missing.getMessage().contains(dir.resolve("nope").toString()), missing.getMessage());
    SshConfigException badPin =
        assertThrows(SshConfigException.class, () -> echo(target(null, "ssh-ed25519 !!")));
    assertFalse(badPin.retryable());
  }

  @Test
  void unreadableClientKeyNamesThePathButNotTheContent() throws Exception {
    Path garbage = dir.resolve("garbage_key");
    Files.writeString(
        garbage,
        "-----BEGIN OPENSSH PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END OPENSSH PRIVATE KEY-----\n");
    Path kh =
        knownHosts("kh-k", SshTestKeys.plainEntry(HOST, server.port(), hostEd25519.getPublic()));
    SshTarget bad =
        new SshTarget(HOST, server.port(), "root", garbage.toString(), kh.toString(), null, false);
    SshKeyUnreadableException e = assertThrows(SshKeyUnreadableException.class, () -> echo(bad));
    assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());
    assertFalse(e.getMessage().contains("U0VDUkVU"), e.getMessage());
    SshTarget missing =
        new SshTarget(HOST, server.port(), "root", "/nonexistent/key", kh.toString(), null, false);
    SshKeyUnreadableException m =
        assertThrows(SshKeyUnreadableException.class, () -> echo(missing));
    assertTrue(
        m.getMessage().contains("/nonexistent/key") && m.getMessage().contains("does not exist"));
  }

  @Test
  void unauthorizedClientKeyIsAnAuthFailure() throws Exception {
    Path other = SshTestKeys.writePrivateKey(dir.resolve("id_other"), SshTestKeys.ecdsa());
    Path kh =
        knownHosts("kh-a", SshTestKeys.plainEntry(HOST, server.port(), hostEd25519.getPublic()));
    SshTarget t =
        new SshTarget(HOST, server.port(), "root", other.toString(), kh.toString(), null, false);
    SshAuthFailedException e = assertThrows(SshAuthFailedException.class, () -> echo(t));
    assertTrue(e.getMessage().contains(other.toString()), e.getMessage());
    assertFalse(e.retryable());
  }
}
