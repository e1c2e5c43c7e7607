package dev.graft.activities.ssh;

import dev.graft.activities.common.Shell;
import dev.graft.activities.common.ShellValues;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RemoteShell} over pooled MINA sessions. One exec channel per command on the host's shared
 * session.
 *
 * <p>Stopping a command that overran takes two mechanisms, because closing an SSH channel does not
 * stop a command that has no terminal. The client sends SIGTERM, then SIGKILL, to the remote
 * process group through the SSH "signal" request (OpenSSH delivers it with killpg, but only for
 * non-root logins) and closes the channel. Every script also runs under a remote {@code timeout}
 * one second past the client's deadline ({@link Shell#withDeadline}), which stops it for root
 * logins and when the worker itself died mid-command.
 */
public final class SshExecutor implements RemoteShell {
  private static final Logger LOG = LoggerFactory.getLogger(SshExecutor.class);
  private static final long POLL_MILLIS = 250;
  private static final long KILL_GRACE_MILLIS = 500;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SshConnectionPool pool;
  private final Duration channelOpenTimeout;

  public SshExecutor(SshConnectionPool pool, SshPoolSettings settings) {
    this.pool = pool;
    this.channelOpenTimeout = settings.channelOpenTimeout();
  }

  @Override
  public CommandResult run(SshTarget target, RemoteCommand command) {
    Execution execution = execute(target, command);
    return execution.result();
  }

  @Override
  public void putFile(SshTarget target, String path, byte[] content, int mode, Duration timeout) {
    ShellValues.absolutePath("file path", path);
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException(
          "file mode must be between 0 and 07777 (octal), got " + mode);
    }
    int slash = path.lastIndexOf('/');
    String dir = slash == 0 ? "/" : path.substring(0, slash);
    String name = path.substring(slash + 1);
    if (name.isEmpty()) {
      throw new IllegalArgumentException("file path " + path + " names a directory, not a file");
    }
    String tmp =
        (dir.equals("/") ? "" : dir)
            + "/."
            + name
            + ".graft-"
            + HexFormat.of().formatHex(randomBytes(6));
    // umask 077 keeps the content private while it is being written; chmod then sets the intended
    // mode, and
    // rename(2) within one directory swaps the file atomically. On any failure the temporary file
    // is removed.
    String script =
        "umask 077 && "
            + Shell.command("cat")
            + " > "
            + Shell.quote(tmp)
            + " && "
            + Shell.command("chmod", String.format("%04o", mode), tmp)
            + " && "
            + Shell.command("mv", "-f", tmp, path)
            + " || { rc=$?; rm -f "
            + Shell.quote(tmp)
            + "; exit $rc; }";
    RemoteCommand command =
        RemoteCommand.of(script, timeout)
            .withStdin(content)
            .withTailBytes(4096)
            .withLabel("write " + path);
    CommandResult result = execute(target, command).result();
    if (!result.succeeded()) {
      throw new RemoteCommandFailedException("writing " + path, target, result);
    }
  }

  @Override
  public byte[] readFile(SshTarget target, String path, int maxBytes, Duration timeout) {
    ShellValues.absolutePath("file path", path);
    RemoteCommand command =
        RemoteCommand.of(Shell.command("cat", path), timeout)
            .withTailBytes(maxBytes)
            .withLabel("read " + path);
    Execution execution = execute(target, command);
    CommandResult result = execution.result();
    if (!result.succeeded()) {
      throw new RemoteCommandFailedException("reading " + path, target, result);
    }
    if (result.stdoutTruncated()) {
      throw new RemoteCommandFailedException(
          "reading " + path + " (larger than " + maxBytes + " bytes)", target, result);
    }
    return execution.stdout.tailBytes();
  }

  /**
   * {@link #executeOnce}, timed by its result (a command that ran to its exit status is completed).
   */
  private Execution execute(SshTarget target, RemoteCommand command) {
    long start = System.nanoTime();
    try {
      Execution execution = executeOnce(target, command);
      pool.metrics().command(start, "completed");
      return execution;
    } catch (RuntimeException e) {
      pool.metrics().command(start, SshMetrics.resultOf(e));
      throw e;
    }
  }

  private Execution executeOnce(SshTarget target, RemoteCommand command) {
    // The remote deadline is one second later than ours, so our timeout (with the partial output)
    // is what the
    // caller sees; the remote one only cleans up what the client could not stop.
    long remoteSeconds = (command.timeout().toMillis() + 999) / 1000 + 1;
    String guarded = Shell.withDeadline(command.script(), remoteSeconds);
    String wire = target.sudo() ? Shell.sudo(guarded) : guarded;
    long deadline = System.nanoTime() + command.timeout().toNanos();
    for (int attempt = 1; ; attempt++) {
      long leftMillis = millisUntil(deadline);
      if (leftMillis <= 0) {
        throw new SshCommandTimeoutException(
            timeoutMessage(target, command, "before it could start"), null);
      }
      try (SshConnectionPool.Lease lease = pool.lease(target, Duration.ofMillis(leftMillis))) {
        ClientSession session = lease.session();
        AtomicReference<RuntimeException> listenerFailure = new AtomicReference<>();
        Execution execution = new Execution(command, listenerFailure);
        ChannelExec channel;
        try {
          channel = session.createExecChannel(wire);
          channel.setOut(execution.stdout);
          channel.setErr(execution.stderr);
          if (command.stdin() != null) {
            channel.setIn(new ByteArrayInputStream(command.stdin()));
          }
          OpenFuture open = channel.open();
          long openWait =
              Math.min(channelOpenTimeout.toMillis(), Math.max(1, millisUntil(deadline)));
          if (!open.await(openWait)) {
            channel.close(true);
            throw new IOException("opening a channel took longer than " + openWait + " ms");
          }
          if (!open.isOpened()) {
            throw new IOException(
                "channel open refused: " + SshConnectionPool.describe(open.getException()));
          }
        } catch (IOException | RuntimeException e) {
          if (e instanceof SshOperationException) {
            throw (SshOperationException) e;
          }
          // The command never started, so reconnecting and trying once more cannot run it twice. A
          // session that
          // is still open and answering (e.g. MaxSessions reached) is kept: other commands may be
          // using it.
          boolean broken =
              !session.isOpen()
                  || session.isClosing()
                  || e.getMessage() != null
                      && e.getMessage().startsWith("opening a channel took longer");
          if (broken) {
            lease.invalidate();
            if (!lease.fresh() && attempt == 1) {
              LOG.info("ssh session to {} was stale; reconnecting", target.display());
              continue;
            }
          }
          throw new SshUnreachableException(
              "cannot start a command on "
                  + target.display()
                  + ": "
                  + SshConnectionPool.describe(e),
              e);
        }
        execution.startNanos = System.nanoTime();
        if (command.stdin() == null) {
          closeQuietly(
              channel); // EOF on stdin at once, so a command that reads it does not wait forever.
        }
        await(target, command, channel, lease, execution, deadline);
        return execution;
      }
    }
  }

  private void await(
      SshTarget target,
      RemoteCommand command,
      ChannelExec channel,
      SshConnectionPool.Lease lease,
      Execution execution,
      long deadline) {
    while (true) {
      long left = millisUntil(deadline);
      if (left <= 0) {
        terminate(channel);
        execution.finish(channel);
        throw new SshCommandTimeoutException(
            timeoutMessage(
                target, command, "and was stopped (SIGTERM, then" + " SIGKILL, channel closed)"),
            execution.result());
      }
      Set<ClientChannelEvent> events =
          channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Math.min(left, POLL_MILLIS));
      if (events.contains(ClientChannelEvent.CLOSED)) {
        break;
      }
      RuntimeException listenerFailure = execution.listenerFailure.get();
      if (listenerFailure != null) {
        terminate(channel);
        throw listenerFailure;
      }
      if (Thread.currentThread().isInterrupted()) {
        terminate(channel);
        throw new SshUnreachableException(
            "interrupted while " + command.label() + " ran on " + target.display());
      }
    }
    execution.finish(channel);
    RuntimeException listenerFailure = execution.listenerFailure.get();
    if (listenerFailure != null) {
      throw listenerFailure;
    }
    if (channel.getExitStatus() == null && channel.getExitSignal() == null) {
      // The channel closed without an exit status: the connection broke mid-command. Whether the
      // command
      // completed is unknown; steps are idempotent, so Temporal's retry can run it again.
      lease.invalidate();
      throw new SshUnreachableException(
          "the connection to "
              + target.display()
              + " was lost while "
              + command.label()
              + " ran; it may or may not have completed");
    }
  }

  /** TERM to the remote process group, a short grace, KILL, then close the channel. */
  private static void terminate(ChannelExec channel) {
    try {
      signal(channel, "TERM");
      Set<ClientChannelEvent> events =
          channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), KILL_GRACE_MILLIS);
      if (!events.contains(ClientChannelEvent.CLOSED)) {
        signal(channel, "KILL");
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not signal remote command: {}", e.toString());
    } finally {
      channel.close(true);
    }
  }

  /**
   * RFC 4254 section 6.9 "signal" request; MINA's client has no call for it, so the packet is built
   * here.
   */
  private static void signal(ChannelExec channel, String name) throws IOException {
    if (!channel.isOpen() || channel.isClosing()) {
      return;
    }
    var session = channel.getSession();
    Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 32);
    buffer.putUInt(channel.getRecipient());
    buffer.putString("signal");
    buffer.putBoolean(false);
    buffer.putString(name);
    session.writePacket(buffer);
  }

  private static void closeQuietly(ChannelExec channel) {
    try {
      channel.getInvertedIn().close();
    } catch (IOException e) {
      LOG.debug("closing stdin failed: {}", e.toString());
    }
  }

  private static String timeoutMessage(SshTarget target, RemoteCommand command, String what) {
    return "command "
        + command.label()
        + " on "
        + target.display()
        + " did not finish within "
        + command.timeout().toMillis()
        + " ms "
        + what;
  }

  private static long millisUntil(long deadlineNanos) {
    return (deadlineNanos - System.nanoTime()) / 1_000_000;
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** The sinks and outcome of one command. */
  private static final class Execution {
    final OutputSink stdout;
    final OutputSink stderr;
    final AtomicReference<RuntimeException> listenerFailure;
    long startNanos = System.nanoTime();
    private CommandResult result;

    Execution(RemoteCommand command, AtomicReference<RuntimeException> listenerFailure) {
      this.listenerFailure = listenerFailure;
      this.stdout =
          new OutputSink(
              OutputKind.STDOUT, command.tailBytes(), command.listener(), listenerFailure);
      this.stderr =
          new OutputSink(
              OutputKind.STDERR, command.tailBytes(), command.listener(), listenerFailure);
    }

    void finish(ChannelExec channel) {
      stdout.finish();
      stderr.finish();
      long elapsed = (System.nanoTime() - startNanos) / 1_000_000;
      result =
          new CommandResult(
              channel.getExitStatus(),
              channel.getExitSignal(),
              stdout.tailText(),
              stderr.tailText(),
              stdout.total(),
              stderr.total(),
              stdout.truncated(),
              stderr.truncated(),
              elapsed);
    }

    CommandResult result() {
      return result;
    }
  }
}
