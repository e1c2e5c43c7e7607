package dev.graft.activities.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

/**
 * Key generation and known_hosts writing for tests; hashed entries are computed here independently
 * of MINA.
 */
public final class SshTestKeys {
  private SshTestKeys() {}

  public static KeyPair ed25519() throws GeneralSecurityException {
    return KeyUtils.generateKeyPair(KeyPairProviderTypes.ED25519, 256);
  }

  public static KeyPair rsa() throws GeneralSecurityException {
    return KeyUtils.generateKeyPair(KeyPairProviderTypes.RSA, 2048);
  }

  public static KeyPair ecdsa() throws GeneralSecurityException {
    return KeyUtils.generateKeyPair(KeyPairProviderTypes.ECDSA_P256, 256);
  }

  /** Writes the private key in OpenSSH format, mode 0600, as ssh-keygen would. */
  public static Path writePrivateKey(Path file, KeyPair pair)
      throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(file)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "graft-test", null, out);
    }
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** "ssh-ed25519 AAAA..." */
  public static String publicLine(PublicKey key) {
    return PublicKeyEntry.toString(key);
  }

  public static String plainEntry(String host, int port, PublicKey key) {
    return HostKeyPolicy.hostPattern(host, port) + " " + publicLine(key);
  }

  /**
   * OpenSSH HashKnownHosts format: |1|base64(salt)|base64(HMAC-SHA1(salt, host or [host]:port)).
   */
  public static String hashedEntry(String host, int port, PublicKey key)
      throws GeneralSecurityException {
    byte[] salt = new byte[20];
    new SecureRandom().nextBytes(salt);
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(salt, "HmacSHA1"));
    byte[] hash =
        mac.doFinal(HostKeyPolicy.hostPattern(host, port).getBytes(StandardCharsets.UTF_8));
    Base64.Encoder b64 = Base64.getEncoder();
    return "|1|"
        + b64.encodeToString(salt)
        + "|"
        + b64.encodeToString(hash)
        + " "
        + publicLine(key);
  }

  public static Path writeKnownHosts(Path file, String... lines) throws IOException {
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  /** Key type names as MINA's generator takes them. */
  static final class KeyPairProviderTypes {
    static final String ED25519 = "ssh-ed25519";
    static final String RSA = "ssh-rsa";
    static final String ECDSA_P256 = "ecdsa-sha2-nistp256";

    private KeyPairProviderTypes() {}
  }
}
