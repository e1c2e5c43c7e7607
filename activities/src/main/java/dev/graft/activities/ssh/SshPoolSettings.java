package dev.graft.activities.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the SSH connection pool. Every network wait has a limit here; Temporal owns retries
 * above them.
 *
 * @param connectTimeout TCP connect (and MINA's session set-up)
 * @param authTimeout key exchange, host-key verification and public-key authentication together
 * @param idleTimeout a session unused this long is closed; the next command reconnects
 * @param heartbeatInterval keepalive request interval; zero disables it
 * @param heartbeatMaxMissed unanswered keepalives after which the session is declared dead and
 *     closed
 * @param maxChannelsPerSession concurrent commands on one connection; OpenSSH refuses more than
 *     MaxSessions (10)
 * @param channelOpenTimeout opening one exec channel on an established session
 */
public record SshPoolSettings(
    Duration connectTimeout,
    Duration authTimeout,
    Duration idleTimeout,
    Duration heartbeatInterval,
    int heartbeatMaxMissed,
    int maxChannelsPerSession,
    Duration channelOpenTimeout) {

  public SshPoolSettings {
    positive("connectTimeout", connectTimeout);
    positive("authTimeout", authTimeout);
    positive("idleTimeout", idleTimeout);
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    positive("channelOpenTimeout", channelOpenTimeout);
    if (heartbeatMaxMissed < 1) {
      throw new IllegalArgumentException("heartbeatMaxMissed must be at least 1");
    }
    if (maxChannelsPerSession < 1) {
      throw new IllegalArgumentException("maxChannelsPerSession must be at least 1");
    }
  }

  /**
   * Production defaults: 10 s connect, 15 s auth, 5 min idle, keepalive every 15 s, 8 channels per
   * host.
   */
  public static SshPoolSettings defaults() {
    return new SshPoolSettings(
        Duration.ofSeconds(10),
        Duration.ofSeconds(15),
        Duration.ofMinutes(5),
        Duration.ofSeconds(15),
        3,
        8,
        Duration.ofSeconds(10));
  }

  public SshPoolSettings withIdleTimeout(Duration value) {
    return new SshPoolSettings(
        connectTimeout,
        authTimeout,
        value,
        heartbeatInterval,
        heartbeatMaxMissed,
        maxChannelsPerSession,
        channelOpenTimeout);
  }

  public SshPoolSettings withConnectTimeout(Duration value) {
    return new SshPoolSettings(
        value,
        authTimeout,
        idleTimeout,
        heartbeatInterval,
        heartbeatMaxMissed,
        maxChannelsPerSession,
        channelOpenTimeout);
  }

  public SshPoolSettings withMaxChannelsPerSession(int value) {
    return new SshPoolSettings(
        connectTimeout,
        authTimeout,
        idleTimeout,
        heartbeatInterval,
        heartbeatMaxMissed,
        value,
        channelOpenTimeout);
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
