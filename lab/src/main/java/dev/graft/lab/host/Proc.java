package dev.graft.lab.host;

import dev.graft.lab.ExecResult;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a local process with a timeout, capturing its output. Every lab command goes through here.
 */
public final class Proc {
  /** How long to wait for output after exit: a detached grandchild may hold the pipe open. */
  private static final long DRAIN_MS = 2000;

  private Proc() {}

  public static ExecResult run(Duration timeout, List<String> argv) {
    return run(timeout, argv, null, null, null);
  }

  /**
   * Runs argv. {@code env} null inherits the JVM's environment, otherwise it replaces it. The
   * process and its descendants are killed when the timeout passes.
   */
  public static ExecResult run(
      Duration timeout, List<String> argv, Map<String, String> env, Path dir, byte[] stdin) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    if (env != null) {
      pb.environment().clear();
      pb.environment().putAll(env);
    }
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new ExecResult(127, "", "cannot start " + argv.get(0) + ": " + e.getMessage(), false);
    }
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    if (stdin != null) {
      try (OutputStream os = p.getOutputStream()) {
        os.write(stdin);
      } catch (IOException e) {
        // The process exited without reading its input; its exit code tells the story.
      }
    }
    boolean finished;
    try {
      finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    }
    if (!finished) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      try {
        p.waitFor(DRAIN_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String o = get(out, p.getInputStream());
    String e = get(err, p.getErrorStream());
    return new ExecResult(finished ? p.exitValue() : 137, o, e, !finished);
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        Threads.IO);
  }

  private static String get(CompletableFuture<String> f, InputStream in) {
    try {
      return f.get(DRAIN_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      try {
        in.close();
      } catch (IOException ignored) {
        // Closing only unblocks the reader thread.
      }
      return "";
    } catch (ExecutionException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
