package dev.graft.activities.ssh;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;

/**
 * A real SSH server in the test JVM (MINA SshServer on 127.0.0.1) with fixed host keys, public-key
 * login for one client key, and {@link ShCommand} running commands with /bin/sh. Counts the
 * sessions it accepted, so tests can prove connection reuse from the server's side.
 */
public final class MinaTestServer implements AutoCloseable {
  final Path workDir;
  final List<KeyPair> hostKeys;
  final PublicKey authorizedKey;
  final Map<String, String> env;
  final AtomicInteger sessionsCreated = new AtomicInteger();
  private SshServer server;
  private int port;

  private MinaTestServer(
      Path workDir, List<KeyPair> hostKeys, PublicKey authorizedKey, Map<String, String> env) {
    this.workDir = workDir;
    this.hostKeys = hostKeys;
    this.authorizedKey = authorizedKey;
    this.env = env;
  }

  public static MinaTestServer start(
      Path workDir, List<KeyPair> hostKeys, PublicKey authorizedKey, Map<String, String> env)
      throws IOException {
    MinaTestServer s = new MinaTestServer(workDir, hostKeys, authorizedKey, env);
    s.listen(0);
    return s;
  }

  private void listen(int wantedPort) throws IOException {
    SshServer sshd = SshServer.setUpDefaultServer();
    sshd.setHost("127.0.0.1");
    sshd.setPort(wantedPort);
    CoreModuleProperties.TCP_NODELAY.set(sshd, true);
    sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKeys));
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setPublickeyAuthenticator(
        (user, key, session) -> KeyUtils.compareKeys(key, authorizedKey));
    sshd.setCommandFactory((channel, command) -> new ShCommand(command, workDir, env));
    sshd.addSessionListener(
        new SessionListener() {
          @Override
          public void sessionCreated(Session session) {
            sessionsCreated.incrementAndGet();
          }
        });
    sshd.start();
    this.server = sshd;
    this.port = sshd.getPort();
  }

  public int port() {
    return port;
  }

  /** Stops and starts again on the same port with the same keys, dropping every open connection. */
  void restart() throws IOException {
    server.stop(true);
    listen(port);
  }

  void stop() throws IOException {
    server.stop(true);
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
