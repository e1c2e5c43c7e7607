package dev.graft.lab.host;

import dev.graft.lab.ExecResult;
import dev.graft.lab.LabException;
import dev.graft.lab.LabKind;
import dev.graft.lab.PidRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;

/**
 * An in-process host: a MINA SSHD server on 127.0.0.1 that accepts only the lab's client key for
 * "root" and runs each command with /bin/sh in the host's sandbox directory. It shares the
 * machine's network, hostname, processes and file system: absolute paths outside $GRAFT_LAB_ROOT
 * are the machine's, so stand-ins must prefix their paths with $GRAFT_LAB_ROOT.
 */
public final class InprocessHost extends HostIdentity implements FaultableHost {
  private final String labId;
  private final Path sandbox;
  private final KeyPair hostKey;
  private final PublicKey clientKey;
  private final Map<String, String> env;
  private volatile int port;
  private volatile SshServer server;

  public InprocessHost(
      String labId,
      String name,
      int index,
      List<String> roles,
      Path sandbox,
      KeyPair hostKey,
      PublicKey clientKey) {
    super(name, index, "127.0.0.1", List.copyOf(roles));
    this.labId = labId;
    this.sandbox = sandbox;
    this.hostKey = hostKey;
    this.clientKey = clientKey;
    String s = sandbox.toString();
    this.env =
        Map.of(
            "PATH",
            s + "/usr/local/sbin:" + s + "/usr/local/bin:" + NetnsHost.PATH_ENV,
            "HOME",
            s + "/root",
            "USER",
            System.getProperty("user.name"),
            "LANG",
            "C.UTF-8",
            "GRAFT_LAB_ROOT",
            s,
            "GRAFT_LAB_ID",
            labId,
            "GRAFT_LAB_HOST",
            name);
  }

  /** Starts the SSH server on 127.0.0.1 ({@code port} 0: a free port). */
  public synchronized void startServer(int wanted) throws IOException {
    if (server != null && server.isStarted()) {
      return;
    }
    SshServer s = SshServer.setUpDefaultServer();
    s.setHost("127.0.0.1");
    s.setPort(wanted);
    s.setKeyPairProvider(SshKeys.provider(hostKey));
    // curve25519 only, as the netns hosts' sshd: clients would otherwise pick a post-quantum
    // hybrid that costs several times more per login.
    s.setKeyExchangeFactories(
        NamedFactory.setUpTransformedFactories(
            false,
            List.of(BuiltinDHFactories.curve25519, BuiltinDHFactories.curve25519_libssh),
            ServerBuilder.DH2KEX));
    s.setPublickeyAuthenticator(
        (user, key, session) -> "root".equals(user) && KeyUtils.compareKeys(key, clientKey));
    s.setPasswordAuthenticator(null);
    s.setKeyboardInteractiveAuthenticator(null);
    s.setGSSAuthenticator(null);
    s.setHostBasedAuthenticator(null);
    s.setCommandFactory((channel, command) -> new SandboxCommand(command, sandbox, env));
    s.setShellFactory(channel -> new SandboxCommand(null, sandbox, env));
    s.start();
    port = s.getPort();
    server = s;
  }

  public synchronized void stopServer() {
    SshServer s = server;
    server = null;
    if (s != null) {
      try {
        s.stop(true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Stops the server and every process this host started (they carry GRAFT_LAB_HOST). */
  public void close() {
    stopServer();
    byte[] needle = ("GRAFT_LAB_HOST=" + name() + "\0").getBytes(StandardCharsets.UTF_8);
    List<PidRef> mine =
        Procfs.withLabId(labId).stream()
            .filter(p -> Procfs.environContains(p.pid(), needle))
            .toList();
    Procfs.terminate(mine, 2000);
  }

  @Override
  public int sshPort() {
    return port;
  }

  @Override
  public LabKind kind() {
    return LabKind.INPROCESS;
  }

  @Override
  public String hostKey() {
    return SshKeys.publicLine(hostKey.getPublic());
  }

  @Override
  public String rootPrefix() {
    return sandbox.toString();
  }

  @Override
  public ExecResult exec(Duration timeout, byte[] stdin, String... argv) {
    return Proc.run(timeout, List.of(argv), env, sandbox, stdin);
  }

  @Override
  public Path machinePath(String absPath) {
    return sandbox.resolve(absPath.substring(1));
  }

  /** In-process: stopping the server also closes its sessions (MINA has no detached sessions). */
  @Override
  public void stopSshd(boolean killSessions) {
    stopServer();
  }

  @Override
  public void startSshd() {
    try {
      startServer(port);
    } catch (IOException e) {
      throw new LabException("host " + name() + ": cannot restart SSH on port " + port, e);
    }
  }

  @Override
  public boolean sshdRunning() {
    SshServer s = server;
    return s != null && s.isStarted();
  }

  @Override
  public void cutLink(boolean cut) {
    throw new LabException(
        "host " + name() + ": in-process hosts have no link of their own to cut");
  }

  @Override
  public void setLatency(Duration delay) {
    throw new LabException("host " + name() + ": in-process hosts have no link to add latency to");
  }

  @Override
  public boolean killByPidFile(String pidFile, boolean force) {
    Optional<String> text = readFile(pidFile);
    if (text.isEmpty() || !text.get().strip().matches("[0-9]{1,9}")) {
      return false;
    }
    long pid = Long.parseLong(text.get().strip());
    // Only a process this lab started carries its GRAFT_LAB_ID.
    byte[] needle = ("GRAFT_LAB_ID=" + labId + "\0").getBytes(StandardCharsets.UTF_8);
    if (!Procfs.environContains(pid, needle)) {
      return false;
    }
    Procfs.stop(pid, force);
    return true;
  }
}
