package dev.graft.lab.host;

import dev.graft.lab.LabException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Ed25519 keys in OpenSSH format, generated in Java (no ssh-keygen process per host): the same
 * files OpenSSH's sshd and ssh read.
 */
public final class SshKeys {
  private SshKeys() {}

  public static KeyPair generate() {
    try {
      KeyPairGenerator g = SecurityUtils.getKeyPairGenerator(SecurityUtils.EDDSA);
      // BouncyCastle's EdDSA generator needs its curve: 256 bits selects Ed25519.
      g.initialize(256);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new LabException("cannot generate an ed25519 key", e);
    }
  }

  /** Writes {@code file} (mode 600) and {@code file.pub}; returns the public key line. */
  public static String write(KeyPair kp, Path file, String comment) throws IOException {
    try {
      ByteArrayOutputStream priv = new ByteArrayOutputStream();
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, comment, null, priv);
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(file, priv.toByteArray());
      String pub = publicLine(kp.getPublic()) + " " + comment;
      Files.writeString(file.resolveSibling(file.getFileName() + ".pub"), pub + "\n");
      return pub;
    } catch (GeneralSecurityException e) {
      throw new LabException("cannot encode key " + file, e);
    }
  }

  /** "ssh-ed25519 AAAA..." without comment. */
  public static String publicLine(PublicKey key) {
    return PublicKeyEntry.toString(key);
  }

  public static KeyPair load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      Iterable<KeyPair> pairs =
          SecurityUtils.loadKeyPairIdentities(null, new PathResource(file), in, null);
      if (pairs == null || !pairs.iterator().hasNext()) {
        throw new LabException("no key in " + file);
      }
      return pairs.iterator().next();
    } catch (GeneralSecurityException e) {
      throw new LabException("cannot read key " + file, e);
    }
  }

  /** Loads the key when the file exists (a restarted lab keeps its keys), else generates it. */
  public static KeyPair loadOrCreate(Path file, String comment) throws IOException {
    if (Files.exists(file)) {
      return load(file);
    }
    KeyPair kp = generate();
    write(kp, file, comment);
    return kp;
  }

  static KeyPairProvider provider(KeyPair kp) {
    return KeyPairProvider.wrap(kp);
  }

  static String ascii(byte[] b) {
    return new String(b, StandardCharsets.US_ASCII);
  }
}
