package dev.graft.activities.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * Test server side of an exec request: runs the command text with a real {@code /bin/sh} in a work
 * directory, like sshd runs it with the login shell. The text goes through a script file (not argv)
 * so every byte arrives as sent, whatever the JVM's argv encoding. A "signal" request or channel
 * close kills the process tree.
 */
final class ShCommand implements Command {
  private final String command;
  private final Path workDir;
  private final Map<String, String> extraEnv;
  private InputStream in;
  private OutputStream out;
  private OutputStream err;
  private ExitCallback exit;
  private volatile Process process;

  ShCommand(String command, Path workDir, Map<String, String> extraEnv) {
    this.command = command;
    this.workDir = workDir;
    this.extraEnv = extraEnv;
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
    Path script = Files.createTempFile(workDir, ".cmd", ".sh");
    Files.write(script, command.getBytes(StandardCharsets.UTF_8));
    ProcessBuilder builder =
        new ProcessBuilder("/bin/sh", script.toString()).directory(workDir.toFile());
    builder.environment().putAll(extraEnv);
    process = builder.start();
    env.addSignalListener((ch, signal) -> kill());
    Thread stdin = pump(in, process.getOutputStream(), true, "stdin");
    Thread stdout = pump(process.getInputStream(), out, false, "stdout");
    Thread stderr = pump(process.getErrorStream(), err, false, "stderr");
    Thread waiter =
        new Thread(
            () -> {
              int code;
              try {
                code = process.waitFor();
                stdout.join(5000);
                stderr.join(5000);
                out.flush();
                err.flush();
              } catch (InterruptedException | IOException e) {
                code = 255;
              } finally {
                stdin.interrupt();
                try {
                  Files.deleteIfExists(script);
                } catch (IOException ignored) {
                  // The temp dir is removed with the test anyway.
                }
              }
              exit.onExit(code);
            },
            "sh-waiter");
    waiter.setDaemon(true);
    waiter.start();
  }

  private static Thread pump(InputStream from, OutputStream to, boolean closeTarget, String name) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try {
                int n;
                while ((n = from.read(buffer)) >= 0) {
                  to.write(buffer, 0, n);
                  to.flush();
                }
              } catch (IOException ignored) {
                // The process or the channel went away; the waiter reports the exit.
              } finally {
                if (closeTarget) {
                  try {
                    to.close();
                  } catch (IOException ignored) {
                    // Nothing to do.
                  }
                }
              }
            },
            "sh-" + name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private void kill() {
    Process p = process;
    if (p != null) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Override
  public void destroy(ChannelSession channel) {
    kill();
  }
}
