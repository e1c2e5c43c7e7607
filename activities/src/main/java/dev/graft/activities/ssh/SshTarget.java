package dev.graft.activities.ssh;

import dev.graft.activities.common.ShellValues;

/**
 * Where and how to reach one host over SSH. It holds references only (paths to the private key and
 * the known_hosts file, a public host key to pin), never key material, so it can travel through
 * workflow history.
 *
 * @param host IP literal or host name
 * @param port TCP port, usually 22
 * @param user login user
 * @param keyRef absolute path of the private key (OpenSSH, PEM or PKCS#8; ed25519, ECDSA or RSA) on
 *     the worker
 * @param knownHosts absolute path of an OpenSSH known_hosts file on the worker, or null when {@code
 *     hostKey} is set
 * @param hostKey pinned public host key, {@code "ssh-ed25519 AAAA..."} (authorized_keys format) or
 *     an OpenSSH fingerprint {@code "SHA256:..."}; null to use known_hosts only
 * @param sudo run every command through {@code sudo -n} (the login user is not root)
 */
public record SshTarget(
    String host,
    int port,
    String user,
    String keyRef,
    String knownHosts,
    String hostKey,
    boolean sudo) {

  public SshTarget {
    ShellValues.host("ssh host", host);
    ShellValues.port("ssh port", port);
    ShellValues.userName("ssh user", user);
    ShellValues.absolutePath("ssh keyRef", keyRef);
    if (knownHosts != null) {
      ShellValues.absolutePath("ssh knownHosts", knownHosts);
    }
    if (hostKey != null && hostKey.isBlank()) {
      hostKey = null;
    }
  }

  /** "user@host:port", for messages and logs. */
  public String display() {
    return user + "@" + HostKeyPolicy.hostPattern(host, port);
  }

  public SshTarget withSudo(boolean newSudo) {
    return new SshTarget(host, port, user, keyRef, knownHosts, hostKey, newSudo);
  }

  public SshTarget withHostKey(String newHostKey) {
    return new SshTarget(host, port, user, keyRef, knownHosts, newHostKey, sudo);
  }

  public SshTarget withKnownHosts(String newKnownHosts) {
    return new SshTarget(host, port, user, keyRef, newKnownHosts, hostKey, sudo);
  }
}
