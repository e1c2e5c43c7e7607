package dev.graft.lab.standin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A StandinHost for tests without root: "/" of the host is a temp directory, commands run with the
 * machine's /bin/sh, the host's /usr/local/bin first on PATH, and GRAFT_LAB_ROOT set. All hosts
 * share 127.0.0.1, so each gets its own etcd ports. close() kills, by PID, every process the
 * stand-ins started under this root (kubelet, static pods, units), also from a shutdown hook.
 */
final class LocalSandboxHost implements StandinHost, AutoCloseable {
  private final String name;
  private final Path root;
  private final Thread hook;

  LocalSandboxHost(String name, Path parent) throws IOException {
    this.name = name;
    this.root = Files.createDirectories(parent.resolve(name)).toRealPath();
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/hostname"), name + "\n");
    this.hook = new Thread(this::killAll, "sandbox-cleanup-" + name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String address() {
    return "127.0.0.1";
  }

  @Override
  public String rootPrefix() {
    return root.toString();
  }

  Path path(String hostPath) {
    return Path.of(root + hostPath);
  }

  @Override
  public ExecResult exec(Duration timeout, byte[] stdin, String... argv) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\"", "sh"));
    cmd.addAll(List.of(argv));
    Path out = Files.createTempFile("sandbox-out", ".txt");
    Path err = Files.createTempFile("sandbox-err", ".txt");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .directory(root.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      Map<String, String> env = pb.environment();
      env.put("PATH", root + "/usr/local/bin:" + env.getOrDefault("PATH", "/usr/bin:/bin"));
      env.put("GRAFT_LAB_ROOT", root.toString());
      Path in = null;
      if (stdin != null) {
        in = Files.createTempFile("sandbox-in", ".bin");
        Files.write(in, stdin);
        pb.redirectInput(in.toFile());
      } else {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      Process p = pb.start();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          return new ExecResult(124, Files.readString(out), "timed out after " + timeout);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } finally {
        if (in != null) {
          Files.deleteIfExists(in);
        }
      }
      return new ExecResult(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Kills every process recorded in a PID file under this host's /run/graft-lab. */
  void killAll() {
    Path run = path("/run/graft-lab");
    if (!Files.isDirectory(run)) {
      return;
    }
    // The kubelet first: it would restart the static pods killed before it.
    StaticPods.alive(path(KubeletStandin.PID_FILE)).ifPresent(StaticPods::terminate);
    for (int pass = 0; pass < 2; pass++) {
      try (Stream<Path> s = Files.walk(run)) {
        for (Path p : s.filter(f -> f.toString().endsWith(".pid")).toList()) {
          StaticPods.alive(p).ifPresent(StaticPods::terminate);
        }
      } catch (IOException e) {
        // Best effort at exit; the test's own assertions report what matters.
      }
    }
  }

  @Override
  public void close() {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook runs anyway.
    }
  }
}
