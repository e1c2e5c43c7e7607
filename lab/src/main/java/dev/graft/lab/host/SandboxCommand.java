package dev.graft.lab.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * An SSH exec (or shell) request of an in-process host: a real /bin/sh in the host's sandbox, with
 * the host's environment, its streams pumped to and from the channel.
 */
final class SandboxCommand implements Command {
  private final String command;
  private final Path sandbox;
  private final Map<String, String> hostEnv;
  private InputStream in;
  private OutputStream out;
  private OutputStream err;
  private ExitCallback exit;
  private volatile Process process;

  /** {@code command} null means an interactive-less shell reading commands from stdin. */
  SandboxCommand(String command, Path sandbox, Map<String, String> hostEnv) {
    this.command = command;
    this.sandbox = sandbox;
    this.hostEnv = hostEnv;
  }

  @Override
  public void setInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void setErrorStream(OutputStream err) {
    this.err = err;
  }

  @Override
  public void setExitCallback(ExitCallback callback) {
    this.exit = callback;
  }

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            command == null ? List.of("/bin/sh") : List.of("/bin/sh", "-c", command));
    pb.directory(sandbox.toFile());
    pb.environment().clear();
    // Client-sent variables (LANG, ...) first; the host's own always win.
    env.getEnv()
        .forEach(
            (k, v) -> {
              if (!k.startsWith("GRAFT_LAB_") && !k.equals("PATH") && !k.equals("HOME")) {
                pb.environment().put(k, v);
              }
            });
    pb.environment().putAll(hostEnv);
    Process p = pb.start();
    process = p;
    Threads.IO.submit(() -> pump(in, p.getOutputStream(), true));
    Future<?> o = Threads.IO.submit(() -> pump(p.getInputStream(), out, false));
    Future<?> e = Threads.IO.submit(() -> pump(p.getErrorStream(), err, false));
    Threads.IO.submit(
        () -> {
          int code;
          try {
            code = p.waitFor();
            o.get();
            e.get();
          } catch (Exception ex) {
            code = 255;
          }
          try {
            out.flush();
            err.flush();
          } catch (IOException ignored) {
            // The client went away; the exit status cannot reach it either.
          }
          exit.onExit(code);
          return null;
        });
  }

  private static Void pump(InputStream from, OutputStream to, boolean closeTo) {
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = from.read(buf)) >= 0) {
        to.write(buf, 0, n);
        to.flush();
      }
    } catch (IOException e) {
      // Either side closed: the process's exit code decides the outcome.
    } finally {
      if (closeTo) {
        try {
          to.close();
        } catch (IOException ignored) {
          // Nothing more to deliver.
        }
      }
    }
    return null;
  }

  @Override
  public void destroy(ChannelSession channel) {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
  }
}
