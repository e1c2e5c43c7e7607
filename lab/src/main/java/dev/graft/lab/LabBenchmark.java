package dev.graft.lab;

import dev.graft.lab.host.Proc;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Measures `lab up` for N hosts: wall time to ready (every sshd listening), time until every host
 * answered one OpenSSH login, memory per host (RSS and PSS of the holder + sshd), disk per host
 * (overlay upper dirs and seed), and `lab down`. Prints the figures and how to rerun:
 *
 * <pre>
 *   ./graft lab bench --nodes 30,100
 *   java -cp lab/target/classes:$(cat cp.txt) dev.graft.lab.LabBenchmark 30 100
 * </pre>
 */
public final class LabBenchmark {
  private LabBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String a : args) {
      for (String n : a.split(",")) {
        sizes.add(Integer.parseInt(n.strip()));
      }
    }
    run(sizes.isEmpty() ? List.of(30, 100) : sizes, LabKind.AUTO, System.out);
  }

  public static void run(List<Integer> sizes, LabKind kind, PrintStream out) throws Exception {
    LabKind k = Lab.resolveKind(kind);
    out.printf(
        "graft lab benchmark: %s hosts, %d cores, %s%n",
        k.label(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"));
    out.printf(
        "%6s %9s %10s %10s %10s %10s %10s %9s%n",
        "hosts", "up(s)", "ssh-all(s)", "RSS/host", "PSS/host", "disk/host", "ms/host", "down(s)");
    for (int n : sizes) {
      Path dir = Files.createTempDirectory("graft-lab-bench-").resolve("lab");
      long t0 = System.nanoTime();
      Lab lab = Lab.up(LabSpec.builder().nodes(n).kind(k).stateDir(dir).build());
      double up = secs(t0);
      double sshAll;
      long rss = 0;
      long pss = 0;
      long disk;
      double down;
      try {
        long t1 = System.nanoTime();
        loginAll(lab.state());
        sshAll = secs(t1);
        for (HostState h : lab.state().hosts()) {
          for (PidRef p : new PidRef[] {h.holder(), h.sshd()}) {
            if (p != null) {
              rss += kb(p.pid(), "/status", "VmRSS:");
              pss += kb(p.pid(), "/smaps_rollup", "Pss:");
            }
          }
        }
        disk = du(dir.resolve("hosts"));
      } finally {
        long t2 = System.nanoTime();
        lab.close();
        down = secs(t2);
      }
      out.printf(
          Locale.ROOT,
          "%6d %9.2f %10.2f %9.0fK %9.0fK %9.1fK %10.1f %9.2f%n",
          n,
          up,
          sshAll,
          (double) rss / n,
          (double) pss / n,
          disk / 1024.0 / n,
          up * 1000 / n,
          down);
      Files.deleteIfExists(dir.getParent());
    }
    out.println(
        "RSS counts shared pages once per process; PSS splits them (the honest per-host cost).");
    out.println("In-process hosts share the JVM: no per-host processes, so no RSS is given.");
    out.println("Rerun: ./graft lab bench --nodes 30,100   (as root with OpenSSH for netns hosts)");
  }

  /** One OpenSSH login per host, 8 at a time, strict host key checking. */
  private static void loginAll(LabState s) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ExecResult>> fs = new ArrayList<>();
      for (HostState h : s.hosts()) {
        fs.add(
            pool.submit(
                () ->
                    Proc.run(
                        Duration.ofSeconds(30),
                        List.of(
                            "ssh",
                            "-F",
                            "/dev/null",
                            "-i",
                            s.clientKey(),
                            "-p",
                            Integer.toString(h.sshPort()),
                            "-o",
                            "BatchMode=yes",
                            "-o",
                            "StrictHostKeyChecking=yes",
                            "-o",
                            "UserKnownHostsFile=" + s.knownHosts(),
                            "root@" + h.address(),
                            "hostname"))));
      }
      for (int i = 0; i < fs.size(); i++) {
        ExecResult r = fs.get(i).get();
        if (!r.ok() || !r.stdout().strip().equals(s.hosts().get(i).name())) {
          throw new LabException("login to " + s.hosts().get(i).name() + " failed: " + r);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static long kb(long pid, String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + file))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private static long du(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
