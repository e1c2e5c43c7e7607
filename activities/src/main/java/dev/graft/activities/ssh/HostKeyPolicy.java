package dev.graft.activities.ssh;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host keys we trust for one target, resolved before connecting: the pinned key when the
 * inventory has one (it then replaces known_hosts, like a per-host {@code HostKeyAlias}), otherwise
 * the known_hosts entries that match the host and port. Matching follows OpenSSH: {@code host} for
 * port 22, {@code [host]:port} otherwise, hashed {@code |1|salt|hash} entries, patterns, several
 * key types per host, and {@code @revoked} markers. {@code @cert-authority} lines are ignored:
 * Graft does not accept host certificates.
 */
final class HostKeyPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(HostKeyPolicy.class);

  private final String host;
  private final int port;
  private final String source;
  private final List<PublicKey> trusted;
  private final List<String> pinnedFingerprints;
  private final List<PublicKey> revoked;

  private HostKeyPolicy(
      String host,
      int port,
      String source,
      List<PublicKey> trusted,
      List<String> pinnedFingerprints,
      List<PublicKey> revoked) {
    this.host = host;
    this.port = port;
    this.source = source;
    this.trusted = List.copyOf(trusted);
    this.pinnedFingerprints = List.copyOf(pinnedFingerprints);
    this.revoked = List.copyOf(revoked);
  }

  /**
   * Builds the policy, reading known_hosts now so a broken file fails before any network traffic.
   */
  static HostKeyPolicy forTarget(SshTarget target) {
    if (target.hostKey() != null) {
      return pinned(target);
    }
    if (target.knownHosts() == null) {
      throw new SshConfigException(
          "SSH target "
              + target.display()
              + " has neither a pinned ssh.hostKey nor a"
              + " knownHosts file; Graft never accepts an unverified host key. Set one of them.");
    }
    return fromKnownHosts(target);
  }

  private static HostKeyPolicy pinned(SshTarget target) {
    String pin = target.hostKey().strip();
    String source = "the pinned ssh.hostKey";
    if (pin.startsWith("SHA256:")) {
      return new HostKeyPolicy(
          target.host(), target.port(), source, List.of(), List.of(pin), List.of());
    }
    try {
      PublicKeyEntry entry = PublicKeyEntry.parsePublicKeyEntry(pin);
      PublicKey key = entry.resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
      return new HostKeyPolicy(
          target.host(), target.port(), source, List.of(key), List.of(), List.of());
    } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
      throw new SshConfigException(
          "The pinned ssh.hostKey of "
              + target.display()
              + " is not a public key in"
              + " OpenSSH format (\"ssh-ed25519 AAAA...\") nor a fingerprint (\"SHA256:...\"): "
              + e.getMessage(),
          e);
    }
  }

  private static HostKeyPolicy fromKnownHosts(SshTarget target) {
    Path path = Path.of(target.knownHosts());
    List<KnownHostEntry> entries;
    try {
      entries = KnownHostEntry.readKnownHostEntries(path);
    } catch (NoSuchFileException e) {
      throw new SshConfigException(
          "known_hosts file " + path + " (for " + target.display() + ") does not exist", e);
    } catch (IOException | RuntimeException e) {
      throw new SshConfigException(
          "known_hosts file "
              + path
              + " (for "
              + target.display()
              + ") cannot be read: "
              + e.getMessage(),
          e);
    }
    List<PublicKey> trusted = new ArrayList<>();
    List<PublicKey> revoked = new ArrayList<>();
    for (KnownHostEntry entry : entries) {
      if (entry.getKeyEntry() == null || !entry.isHostMatch(target.host(), target.port())) {
        continue;
      }
      String marker = entry.getMarker();
      if (marker != null && !"revoked".equals(marker)) {
        continue; // @cert-authority: certificates are not accepted, so such a line can vouch for
        // nothing.
      }
      PublicKey key;
      try {
        key = resolve(entry.getKeyEntry());
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        // OpenSSH also skips key types it cannot parse (e.g. security-key types); the line cannot
        // match anyway.
        LOG.warn(
            "skipping unreadable known_hosts line for {} in {}: {}",
            target.display(),
            path,
            e.toString());
        continue;
      }
      if (key == null) {
        continue;
      }
      (marker == null ? trusted : revoked).add(key);
    }
    String source = "known_hosts file " + path;
    return new HostKeyPolicy(target.host(), target.port(), source, trusted, List.of(), revoked);
  }

  private static PublicKey resolve(AuthorizedKeyEntry entry)
      throws IOException, GeneralSecurityException {
    return entry.resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
  }

  /**
   * Accepts the key or throws. The revoked check comes first, as in OpenSSH: a revoked key stays
   * refused even if another line also lists it as trusted.
   */
  void verify(PublicKey seen) {
    String seenType = KeyUtils.getKeyType(seen);
    String seenFp = fingerprint(seen);
    for (PublicKey bad : revoked) {
      if (KeyUtils.compareKeys(bad, seen)) {
        throw new HostKeyMismatchException(host, port, seenType, seenFp, List.of(), source, true);
      }
    }
    for (PublicKey good : trusted) {
      if (KeyUtils.compareKeys(good, seen)) {
        return;
      }
    }
    if (pinnedFingerprints.contains(seenFp)) {
      return;
    }
    if (trusted.isEmpty() && pinnedFingerprints.isEmpty()) {
      throw new UnknownHostKeyException(host, port, seenType, seenFp, source);
    }
    List<String> expected = new ArrayList<>(pinnedFingerprints);
    for (PublicKey good : trusted) {
      expected.add(KeyUtils.getKeyType(good) + " " + fingerprint(good));
    }
    throw new HostKeyMismatchException(host, port, seenType, seenFp, expected, source, false);
  }

  /**
   * The host key algorithms to ask for first: those of the keys we trust. Without this the server
   * may answer with a key type we hold no entry for (say ed25519 when known_hosts has only RSA),
   * which would read as "changed".
   */
  Set<String> preferredAlgorithms() {
    Set<String> out = new LinkedHashSet<>();
    for (PublicKey key : trusted) {
      String type = KeyUtils.getKeyType(key);
      if ("ssh-rsa".equals(type)) {
        out.add("rsa-sha2-512");
        out.add("rsa-sha2-256");
      }
      out.addAll(KeyUtils.getAllEquivalentKeyTypes(type));
      out.add(type);
    }
    return out;
  }

  /**
   * OpenSSH-style fingerprint: {@code SHA256:} and unpadded base64 of the SHA-256 of the key blob.
   */
  static String fingerprint(PublicKey key) {
    return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
  }

  /**
   * How OpenSSH names a host in known_hosts and messages: {@code host} on 22, {@code [host]:port}
   * elsewhere.
   */
  static String hostPattern(String host, int port) {
    return port == 22 ? host : "[" + host + "]:" + port;
  }
}
