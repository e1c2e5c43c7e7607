package dev.graft.activities.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Loads the client identity named by a key reference. Errors name the path and the reason, never
 * the content: parser messages are not copied because some echo the data they choke on.
 */
final class PrivateKeys {
  /**
   * No legitimate private key file is this large; refusing early keeps a wrong path from filling
   * the heap.
   */
  private static final long MAX_KEY_FILE_BYTES = 64 * 1024;

  private PrivateKeys() {}

  static List<KeyPair> load(String keyRef) {
    Path path = Path.of(keyRef);
    try {
      if (Files.size(path) > MAX_KEY_FILE_BYTES) {
        throw unreadable(
            path,
            "the file is larger than " + MAX_KEY_FILE_BYTES + " bytes, so it is not a private key",
            null);
      }
    } catch (NoSuchFileException e) {
      throw unreadable(path, "the file does not exist", null);
    } catch (AccessDeniedException e) {
      throw unreadable(path, "permission denied", null);
    } catch (IOException e) {
      throw unreadable(path, e.getClass().getSimpleName(), null);
    }
    List<KeyPair> keys = new ArrayList<>();
    try (InputStream in = Files.newInputStream(path)) {
      Iterable<KeyPair> loaded =
          SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(keyRef), in, null);
      if (loaded != null) {
        loaded.forEach(keys::add);
      }
    } catch (AccessDeniedException e) {
      throw unreadable(path, "permission denied", null);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw unreadable(
          path,
          "it is not an unencrypted OpenSSH, PEM or PKCS#8 private key (ed25519, ECDSA or RSA)"
              + " ["
              + e.getClass().getSimpleName()
              + "]; passphrase-protected keys are not supported",
          null);
    }
    if (keys.isEmpty()) {
      throw unreadable(path, "it contains no private key", null);
    }
    return keys;
  }

  private static SshKeyUnreadableException unreadable(Path path, String why, Throwable cause) {
    return new SshKeyUnreadableException(
        "SSH private key "
            + path
            + " cannot be used: "
            + why
            + ". Check the node's ssh.keyRef and the file on the worker.",
        cause);
  }
}
