package dev.graft.lab.standin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The kubelet stand-in's static pods: of the manifests in the static pod path it runs those whose
 * container command is etcd, with the machine's real etcd binary, as a detached process (a
 * "container" that survives the kubelet, as containers do). A pod that exits is restarted after a
 * back-off (10 s, doubling up to 5 min, as CrashLoopBackOff); a changed manifest restarts it; a
 * removed manifest stops it. Other manifests (kube-apiserver …) are reported but not run: the API
 * stand-in serves in their place.
 */
final class StaticPods {
  static final String PID_DIR = "/run/graft-lab/static-pods";
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  /** A static pod as the kubelet stand-in sees it, for its mirror pod. */
  record Pod(String name, JsonNode manifest, boolean running, boolean runnable) {}

  private final HostPaths paths;
  private final String manifestDir;
  private final Map<String, Instant> nextStart = new HashMap<>();
  private final Map<String, Duration> backoff = new HashMap<>();

  StaticPods(HostPaths paths, String manifestDir) {
    this.paths = paths;
    this.manifestDir = manifestDir;
  }

  /** One reconcile pass; returns the pods seen. */
  List<Pod> sync() throws IOException {
    List<Pod> pods = new ArrayList<>();
    Path dir = paths.get(manifestDir);
    List<String> seen = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
          JsonNode m;
          try {
            m = Kubeconfig.YAML.readTree(Files.readString(f));
          } catch (IOException e) {
            continue; // a half-written manifest is picked up on the next pass
          }
          String name = m.path("metadata").path("name").asText("");
          if (!name.matches("[a-z0-9-]+")) {
            continue;
          }
          seen.add(name);
          List<String> cmd = command(m);
          boolean runnable = !cmd.isEmpty() && cmd.get(0).equals("etcd");
          boolean running = runnable && ensure(name, m, cmd);
          pods.add(new Pod(name, m, running, runnable));
        }
      }
    }
    Path pidDir = paths.get(PID_DIR);
    if (Files.isDirectory(pidDir)) {
      try (Stream<Path> s = Files.list(pidDir)) {
        for (Path p : s.filter(x -> x.toString().endsWith(".pid")).toList()) {
          String name = p.getFileName().toString().replace(".pid", "");
          if (!seen.contains(name)) {
            stop(paths, name);
          }
        }
      }
    }
    return pods;
  }

  private boolean ensure(String name, JsonNode manifest, List<String> cmd) throws IOException {
    String hash = Integer.toHexString(manifest.toString().hashCode());
    Path pidFile = paths.get(PID_DIR + "/" + name + ".pid");
    Path hashFile = paths.get(PID_DIR + "/" + name + ".spec");
    Optional<ProcessHandle> running = alive(pidFile);
    if (running.isPresent()) {
      if (Files.exists(hashFile) && Files.readString(hashFile).equals(hash)) {
        return true;
      }
      stop(paths, name);
    }
    Instant now = Instant.now();
    if (now.isBefore(nextStart.getOrDefault(name, Instant.MIN))) {
      return false;
    }
    Duration b = backoff.getOrDefault(name, Duration.ZERO);
    Duration next = b.isZero() ? FIRST_BACKOFF : b.multipliedBy(2);
    backoff.put(name, next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next);
    nextStart.put(name, now.plus(backoff.get(name)));
    List<String> argv = new ArrayList<>();
    argv.add("setsid");
    argv.add(System.getenv().getOrDefault("GRAFT_LAB_ETCD_BINARY", "/usr/bin/etcd"));
    for (String a : cmd.subList(1, cmd.size())) {
      argv.add(mapPaths(a, manifest));
    }
    Files.createDirectories(pidFile.getParent());
    Path log = paths.get("/var/log/pods/kube-system_" + name + ".log");
    Files.createDirectories(log.getParent());
    for (String dir : hostPathVolumes(manifest)) {
      Files.createDirectories(paths.get(dir));
    }
    Process p =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    Files.writeString(pidFile, Long.toString(p.pid()));
    Files.writeString(hashFile, hash);
    return true;
  }

  /** kubeadm mounts host paths at the same paths: map them under the host's root. */
  private String mapPaths(String arg, JsonNode manifest) {
    if (paths.prefix().isEmpty()) {
      return arg;
    }
    String out = arg;
    for (String dir : hostPathVolumes(manifest)) {
      out = out.replace("=" + dir, "=" + paths.prefix() + dir);
    }
    return out;
  }

  private static List<String> hostPathVolumes(JsonNode manifest) {
    List<String> dirs = new ArrayList<>();
    for (JsonNode v : manifest.path("spec").path("volumes")) {
      String p = v.path("hostPath").path("path").asText("");
      if (p.startsWith("/")) {
        dirs.add(p);
      }
    }
    return dirs;
  }

  static List<String> command(JsonNode manifest) {
    List<String> cmd = new ArrayList<>();
    manifest
        .path("spec")
        .path("containers")
        .path(0)
        .path("command")
        .forEach(c -> cmd.add(c.asText()));
    return cmd;
  }

  /** The value of a --flag=value in a manifest's command, or null. */
  static String flag(String manifestYaml, String name) throws IOException {
    for (String c : command(Kubeconfig.YAML.readTree(manifestYaml))) {
      if (c.startsWith(name + "=")) {
        return c.substring(name.length() + 1);
      }
    }
    return null;
  }

  /**
   * The live process a PID file names. A process that started after the file was last written is
   * not the one it recorded (the PID was reused), and is never returned, so never killed.
   */
  static Optional<ProcessHandle> alive(Path pidFile) {
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      Instant written = Files.getLastModifiedTime(pidFile).toInstant().plusSeconds(1);
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(h -> h.info().startInstant().map(st -> !st.isAfter(written)).orElse(false));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Stops one static pod's process (TERM, then KILL after 10 s) and forgets it. */
  static void stop(HostPaths paths, String name) throws IOException {
    Path pidFile = paths.get(PID_DIR + "/" + name + ".pid");
    alive(pidFile).ifPresent(StaticPods::terminate);
    Files.deleteIfExists(pidFile);
    Files.deleteIfExists(paths.get(PID_DIR + "/" + name + ".spec"));
  }

  static void stopAll(HostPaths paths) throws IOException {
    Path dir = paths.get(PID_DIR);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(x -> x.toString().endsWith(".pid")).toList()) {
        stop(paths, p.getFileName().toString().replace(".pid", ""));
      }
    }
  }

  static void terminate(ProcessHandle h) {
    h.destroy();
    try {
      h.onExit().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      h.destroyForcibly();
    }
  }
}
