package dev.graft.activities.ssh;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-lived MINA {@link SshClient} and one authenticated session per target, shared by every
 * command to that host. A fresh login costs ~50-200 ms (key exchange, authentication, round trips);
 * a command on an open session costs a few milliseconds, so reuse is the largest speed lever an SSH
 * orchestrator has.
 *
 * <p>Sessions are keyed by host, port and user <em>and</em> by the key and host-key references: a
 * session verified against one known_hosts file or pinned key must not serve a target that names
 * another (a changed pin must be checked, not bypassed by a connection opened earlier). Concurrency
 * per session is limited to {@link SshPoolSettings#maxChannelsPerSession()} because OpenSSH refuses
 * channels beyond its MaxSessions.
 *
 * <p>Thread-safe. Broken sessions are detected on lease (closed, or closed by missed keepalives)
 * and replaced; idle ones are closed by a sweeper. Every connect and authentication is bounded.
 */
public final class SshConnectionPool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SshConnectionPool.class);

  private final SshPoolSettings settings;
  private final SshClient client;
  private final ConcurrentHashMap<Key, Slot> slots = new ConcurrentHashMap<>();
  private final ScheduledExecutorService sweeper;
  private final AtomicLong connects = new AtomicLong();
  private volatile boolean closed;

  private final SshMetrics metrics;

  public SshConnectionPool(SshPoolSettings settings) {
    this(settings, SshMetrics.NONE);
  }

  /**
   * A pool that reports connect latency (and its executors' command latency) to {@code metrics}.
   */
  public SshConnectionPool(SshPoolSettings settings, SshMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
    this.client = newClient(settings);
    client.start();
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "graft-ssh-pool-sweeper");
              thread.setDaemon(true);
              return thread;
            });
    long period = Math.max(1000, settings.idleTimeout().toMillis() / 4);
    sweeper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
  }

  private static SshClient newClient(SshPoolSettings settings) {
    SshClient client = SshClient.setUpDefaultClient();
    HostKeyGate gate = new HostKeyGate();
    client.setServerKeyVerifier(gate);
    client.addSessionListener(gate);
    // Nothing implicit: no ~/.ssh/config, no default identities, no agent, no passwords; only the
    // key we name.
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
    client.setKeyExchangeFactories(preferCurve25519(client.getKeyExchangeFactories()));
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    CoreModuleProperties.IO_CONNECT_TIMEOUT.set(client, settings.connectTimeout());
    CoreModuleProperties.AUTH_TIMEOUT.set(client, settings.authTimeout());
    CoreModuleProperties.CHANNEL_OPEN_TIMEOUT.set(client, settings.channelOpenTimeout());
    // The pool owns idleness; MINA's own idle timer would close sessions the pool still hands out.
    CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
    if (!settings.heartbeatInterval().isZero()) {
      CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, settings.heartbeatInterval());
      CoreModuleProperties.HEARTBEAT_REPLY_WAIT.set(client, settings.heartbeatInterval());
      CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, settings.heartbeatMaxMissed());
    }
    return client;
  }

  /**
   * curve25519-sha256 first: fast, universally supported since OpenSSH 6.5, and cheaper than the
   * post-quantum hybrids OpenSSH prefers by default (~4x the CPU for the login). The rest keep
   * their order as fallbacks.
   */
  static List<KeyExchangeFactory> preferCurve25519(List<KeyExchangeFactory> current) {
    List<KeyExchangeFactory> out = new ArrayList<>();
    for (BuiltinDHFactories preferred :
        List.of(BuiltinDHFactories.curve25519, BuiltinDHFactories.curve25519_libssh)) {
      for (KeyExchangeFactory factory : current) {
        if (factory.getName().equals(preferred.getName())) {
          out.add(factory);
        }
      }
    }
    for (KeyExchangeFactory factory : current) {
      if (!out.contains(factory)) {
        out.add(factory);
      }
    }
    return out;
  }

  /**
   * Borrows the session for the target and one of its channel slots, connecting if needed. Waits at
   * most {@code maxWait} for a free channel slot. Close the lease when the command is done.
   */
  Lease lease(SshTarget target, Duration maxWait) {
    if (closed) {
      throw new IllegalStateException("SSH connection pool is closed");
    }
    Slot slot =
        slots.computeIfAbsent(Key.of(target), k -> new Slot(settings.maxChannelsPerSession()));
    try {
      if (!slot.permits.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new SshUnreachableException(
            "all "
                + settings.maxChannelsPerSession()
                + " command slots to "
                + target.display()
                + " stayed busy for "
                + maxWait.toMillis()
                + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SshUnreachableException(
          "interrupted while waiting for a command slot to " + target.display(), e);
    }
    try {
      return slot.acquire(target);
    } catch (RuntimeException e) {
      slot.permits.release();
      throw e;
    }
  }

  /** Sessions currently open (for metrics and tests). */
  public int openSessions() {
    int open = 0;
    for (Slot slot : slots.values()) {
      synchronized (slot) {
        if (slot.session != null && slot.session.isOpen()) {
          open++;
        }
      }
    }
    return open;
  }

  /** Logins performed since the pool started (for metrics and tests). */
  public long connectsTotal() {
    return connects.get();
  }

  /** Closes every session that no command uses; the next command to that host reconnects. */
  public void evictAll() {
    for (Slot slot : slots.values()) {
      slot.closeIfUnused(0);
    }
  }

  private void closeIdle() {
    try {
      long idleNanos = settings.idleTimeout().toNanos();
      for (Slot slot : slots.values()) {
        slot.closeIfUnused(idleNanos);
      }
    } catch (RuntimeException e) {
      LOG.warn("idle sweep failed", e); // Keep the sweeper alive; the next run retries.
    }
  }

  @Override
  public void close() {
    closed = true;
    sweeper.shutdownNow();
    for (Slot slot : slots.values()) {
      synchronized (slot) {
        if (slot.session != null) {
          slot.session.close(true);
          slot.session = null;
        }
      }
    }
    client.stop();
  }

  SshMetrics metrics() {
    return metrics;
  }

  /** {@link #login}, timed by its result. */
  private ClientSession connect(SshTarget target) {
    long start = System.nanoTime();
    try {
      ClientSession session = login(target);
      metrics.connect(start, "ok");
      return session;
    } catch (RuntimeException e) {
      metrics.connect(start, SshMetrics.resultOf(e));
      throw e;
    }
  }

  /**
   * The host key refusal when the verifier refused, else {@code otherwise}: a refused host key
   * closes the session, and on a busy machine that close can beat the connect future, which then
   * fails with MINA's "no session attached" instead of the refusal that says what to do.
   */
  private static SshOperationException refusalOr(
      HostKeyGate.Attempt attempt, SshOperationException otherwise) {
    SshOperationException refusal = attempt.refusal.get();
    return refusal != null ? refusal : otherwise;
  }

  /**
   * Logs in: key first (a bad key reference fails before any traffic), then TCP, host key,
   * authentication.
   */
  private ClientSession login(SshTarget target) {
    List<KeyPair> identities = PrivateKeys.load(target.keyRef());
    HostKeyGate.Attempt attempt = new HostKeyGate.Attempt(HostKeyPolicy.forTarget(target));
    String where = target.display();
    ClientSession session;
    try {
      ConnectFuture future =
          client.connect(target.user(), target.host(), target.port(), attempt.asContext(), null);
      if (!future.await(settings.connectTimeout())) {
        future.cancel();
        throw new SshUnreachableException(
            "connecting to "
                + where
                + " timed out after "
                + settings.connectTimeout().toMillis()
                + " ms");
      }
      if (future.getException() != null) {
        throw refusalOr(
            attempt,
            new SshUnreachableException(
                "cannot connect to " + where + ": " + describe(future.getException()),
                future.getException()));
      }
      session = future.getSession();
    } catch (IOException e) {
      throw refusalOr(
          attempt,
          new SshUnreachableException("cannot connect to " + where + ": " + describe(e), e));
    }
    connects.incrementAndGet();
    try {
      identities.forEach(session::addPublicKeyIdentity);
      AuthFuture auth = session.auth();
      boolean done = auth.await(settings.authTimeout());
      SshOperationException refusal = attempt.refusal.get();
      if (refusal != null) {
        throw refusal;
      }
      if (!done) {
        throw new SshUnreachableException(
            "key exchange and authentication with "
                + where
                + " did not finish within "
                + settings.authTimeout().toMillis()
                + " ms");
      }
      if (!auth.isSuccess()) {
        Throwable cause = auth.getException();
        if (cause instanceof SshException
            && ((SshException) cause).getDisconnectCode()
                == SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE) {
          throw new SshAuthFailedException(
              "SSH server "
                  + where
                  + " refused the key "
                  + target.keyRef()
                  + ": authorize its public key for user "
                  + target.user()
                  + " (authorized_keys) or fix ssh.user/keyRef.",
              cause);
        }
        throw new SshUnreachableException(
            "SSH session with " + where + " failed before login completed: " + describe(cause),
            cause);
      }
      return session;
    } catch (IOException e) {
      SshOperationException refusal = attempt.refusal.get();
      session.close(true);
      if (refusal != null) {
        throw refusal;
      }
      throw new SshUnreachableException("SSH session with " + where + " failed: " + describe(e), e);
    } catch (RuntimeException e) {
      session.close(true);
      throw e;
    }
  }

  static String describe(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
  }

  /**
   * What a session is keyed by: the login and everything its trust and identity were checked
   * against.
   */
  private record Key(
      String host, int port, String user, String keyRef, String knownHosts, String hostKey) {
    static Key of(SshTarget t) {
      return new Key(t.host(), t.port(), t.user(), t.keyRef(), t.knownHosts(), t.hostKey());
    }
  }

  /** The session of one key plus its channel slots; the monitor guards {@code session}. */
  private final class Slot {
    final Semaphore permits;
    final int maxPermits;
    ClientSession session;
    volatile long lastUsedNanos = System.nanoTime();

    Slot(int maxPermits) {
      this.maxPermits = maxPermits;
      this.permits = new Semaphore(maxPermits, true);
    }

    /** Connects under the monitor, so concurrent first commands to one host share one login. */
    synchronized Lease acquire(SshTarget target) {
      lastUsedNanos = System.nanoTime();
      if (session != null
          && session.isOpen()
          && !session.isClosing()
          && session.isAuthenticated()) {
        return new Lease(this, session, false);
      }
      if (session != null) {
        session.close(true);
        session = null;
      }
      session = connect(target);
      return new Lease(this, session, true);
    }

    synchronized void invalidate(ClientSession broken) {
      if (session == broken) {
        session = null;
      }
      broken.close(true);
    }

    synchronized void closeIfUnused(long idleNanos) {
      if (session == null || permits.availablePermits() < maxPermits) {
        return;
      }
      if (System.nanoTime() - lastUsedNanos >= idleNanos) {
        session.close(false);
        session = null;
      }
    }
  }

  /** A borrowed session and one channel slot. */
  final class Lease implements AutoCloseable {
    private final Slot slot;
    private final ClientSession session;
    private final boolean fresh;
    private boolean released;

    private Lease(Slot slot, ClientSession session, boolean fresh) {
      this.slot = slot;
      this.session = session;
      this.fresh = fresh;
    }

    ClientSession session() {
      return session;
    }

    /** Whether this lease logged in just now (a failure on it is not a stale pooled connection). */
    boolean fresh() {
      return fresh;
    }

    /** Drops the session from the pool because it proved broken; the next lease reconnects. */
    void invalidate() {
      slot.invalidate(session);
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        slot.lastUsedNanos = System.nanoTime();
        slot.permits.release();
      }
    }
  }
}
