package dev.graft.activities.ssh;

import dev.graft.workflows.FailureTypes;
import java.util.List;

/**
 * The server presented a host key different from the one(s) we trust for it, or one marked revoked.
 * This is what a man-in-the-middle looks like, and also what a reinstalled host looks like; only a
 * person can tell which, so the step stops without retrying and nothing is sent to the host.
 */
public class HostKeyMismatchException extends SshOperationException {
  private static final long serialVersionUID = 1L;

  private final String host;
  private final String seenFingerprint;
  private final List<String> expectedFingerprints;

  public HostKeyMismatchException(
      String host,
      int port,
      String seenKeyType,
      String seenFingerprint,
      List<String> expectedFingerprints,
      String source,
      boolean revoked) {
    super(
        FailureTypes.SSH_HOST_KEY_MISMATCH,
        false,
        message(host, port, seenKeyType, seenFingerprint, expectedFingerprints, source, revoked),
        null);
    this.host = host;
    this.seenFingerprint = seenFingerprint;
    this.expectedFingerprints = List.copyOf(expectedFingerprints);
  }

  private static String message(
      String host,
      int port,
      String seenKeyType,
      String seen,
      List<String> expected,
      String source,
      boolean revoked) {
    String where = HostKeyPolicy.hostPattern(host, port);
    if (revoked) {
      return "SSH host key of "
          + where
          + " is REVOKED: the server presented "
          + seenKeyType
          + " key "
          + seen
          + ", which "
          + source
          + " marks @revoked. Do not connect; find out why the host still uses a revoked key.";
    }
    return "SSH host key of "
        + where
        + " has CHANGED: the server presented "
        + seenKeyType
        + " key "
        + seen
        + " but "
        + source
        + " expects "
        + String.join(" or ", expected)
        + "."
        + " Someone may be intercepting the connection, or the host was reinstalled. Verify the new fingerprint on"
        + " the host itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub); only then replace the old entry"
        + " (ssh-keygen -R '"
        + where
        + "' -f <known_hosts>) or update the pinned ssh.hostKey.";
  }

  public String host() {
    return host;
  }

  public String seenFingerprint() {
    return seenFingerprint;
  }

  public List<String> expectedFingerprints() {
    return expectedFingerprints;
  }
}
