package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;

/**
 * The server presented a host key, but nothing we trust (known_hosts entries for this host and
 * port, or a pinned key) vouches for it. Graft never trusts on first use: a person must confirm the
 * fingerprint out of band.
 */
public class UnknownHostKeyException extends SshOperationException {
  private static final long serialVersionUID = 1L;

  private final String host;
  private final String seenFingerprint;

  public UnknownHostKeyException(
      String host, int port, String seenKeyType, String seenFingerprint, String source) {
    super(
        FailureTypes.SSH_HOST_KEY_UNKNOWN,
        false,
        "SSH host key of "
            + HostKeyPolicy.hostPattern(host, port)
            + " is unknown: the server presented "
            + seenKeyType
            + " key "
            + seenFingerprint
            + ", and "
            + source
            + " has no key for this host."
            + " Verify that fingerprint on the host itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then add the"
            + " key to the known_hosts file or pin it as the node's ssh.hostKey.",
        null);
    this.host = host;
    this.seenFingerprint = seenFingerprint;
  }

  public String host() {
    return host;
  }

  public String seenFingerprint() {
    return seenFingerprint;
  }
}
