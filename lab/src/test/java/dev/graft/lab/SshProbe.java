package dev.graft.lab;

import dev.graft.lab.host.SshKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.core.CoreModuleProperties;

/** SSH from tests: MINA's client with strict known_hosts checking, and the OpenSSH client. */
final class SshProbe implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private final SshClient client;
  private final KeyPair key;

  SshProbe(Path knownHosts, Path keyFile) throws IOException {
    key = SshKeys.load(keyFile);
    client = SshClient.setUpDefaultClient();
    // Unknown host or a changed key: rejected, never learned.
    client.setServerKeyVerifier(
        new KnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE, knownHosts));
    CoreModuleProperties.PASSWORD_PROMPTS.set(client, 0);
    client.start();
  }

  ExecResult run(String host, int port, String command) throws IOException {
    return run(host, port, command, key);
  }

  ExecResult run(String host, int port, String command, KeyPair identity) throws IOException {
    try (ClientSession s = client.connect("root", host, port).verify(TIMEOUT).getSession()) {
      if (identity != null) {
        s.addPublicKeyIdentity(identity);
      }
      s.auth().verify(TIMEOUT);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      try (ChannelExec ch = s.createExecChannel(command)) {
        ch.setOut(out);
        ch.setErr(err);
        ch.open().verify(TIMEOUT);
        var events = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
        Integer code = ch.getExitStatus();
        return new ExecResult(
            code == null ? -1 : code,
            out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8),
            events.contains(ClientChannelEvent.TIMEOUT));
      }
    }
  }

  /** The real OpenSSH client, strict host key checking, no user config. */
  static ExecResult openssh(LabState s, HostState h, Path knownHosts, String command) {
    return openssh(s, h, knownHosts, command, 5);
  }

  static ExecResult openssh(
      LabState s, HostState h, Path knownHosts, String command, int connectTimeout) {
    return dev.graft.lab.host.Proc.run(
        Duration.ofSeconds(20),
        List.of(
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            s.clientKey(),
            "-p",
            Integer.toString(h.sshPort()),
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "UserKnownHostsFile=" + knownHosts,
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=" + connectTimeout,
            "-o",
            "LogLevel=ERROR",
            "root@" + h.address(),
            command));
  }

  @Override
  public void close() throws IOException {
    client.stop();
  }
}
