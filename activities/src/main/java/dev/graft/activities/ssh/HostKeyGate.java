package dev.graft.activities.ssh;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * The client-wide host-key check. Each connection carries its own {@link HostKeyPolicy} in MINA's
 * connection context (set before the TCP connect, so there is no window in which a session exists
 * without a policy); a session without one is refused. A refusal is recorded with its typed
 * exception so the pool can throw it instead of MINA's generic "server key did not validate".
 *
 * <p>As a session listener it also reorders the host-key algorithms of our KEXINIT so the server
 * answers with a key type we hold an entry for, as OpenSSH does.
 */
final class HostKeyGate implements ServerKeyVerifier, SessionListener {
  static final AttributeKey<Attempt> ATTEMPT = new AttributeKey<>();

  /** One connection attempt: its policy and, after a refusal, why. */
  static final class Attempt {
    final HostKeyPolicy policy;
    final AtomicReference<SshOperationException> refusal = new AtomicReference<>();

    Attempt(HostKeyPolicy policy) {
      this.policy = policy;
    }

    AttributeRepository asContext() {
      return AttributeRepository.ofKeyValuePair(ATTEMPT, this);
    }
  }

  @Override
  public boolean verifyServerKey(
      ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
    Attempt attempt = attemptOf(session);
    if (attempt == null) {
      return false; // A connection opened without a policy is never trusted.
    }
    try {
      attempt.policy.verify(serverKey);
      return true;
    } catch (SshOperationException e) {
      attempt.refusal.compareAndSet(null, e);
      return false;
    }
  }

  @Override
  public void sessionNegotiationOptionsCreated(
      Session session, Map<KexProposalOption, String> proposal) {
    if (!(session instanceof ClientSession)) {
      return;
    }
    Attempt attempt = attemptOf((ClientSession) session);
    String offered = proposal.get(KexProposalOption.SERVERKEYS);
    if (attempt == null || offered == null) {
      return;
    }
    Set<String> preferred = attempt.policy.preferredAlgorithms();
    List<String> first = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String algorithm : Arrays.asList(offered.split(","))) {
      (preferred.contains(algorithm) ? first : rest).add(algorithm);
    }
    first.addAll(rest);
    proposal.put(KexProposalOption.SERVERKEYS, String.join(",", first));
  }

  private static Attempt attemptOf(ClientSession session) {
    AttributeRepository context = session.getConnectionContext();
    return context == null ? null : context.getAttribute(ATTEMPT);
  }
}
