package dev.graft.lab.host;

import dev.graft.lab.AddressPlan;
import dev.graft.lab.ExecResult;
import dev.graft.lab.HostCustomizer;
import dev.graft.lab.LabException;
import dev.graft.lab.LabKind;
import dev.graft.lab.PidRef;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates netns hosts: claims a bridge and address block, then per host (8 in parallel) prepares
 * its overlay dirs and seed files, starts its holder (setsid + unshare running netns-init.sh), and
 * plugs a veth pair into the bridge. The holders are detached: the hosts outlive this JVM until
 * `lab down` (or {@link dev.graft.lab.Lab#close}).
 */
public final class NetnsProvisioner {
  static final List<String> OVERLAYS = List.of("etc", "var", "root", "opt", "usr/local");
  private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);
  private static final int PARALLEL = 8;

  private final String labId;
  private final Path stateDir;
  private final String clientPublicKey;
  private final List<HostCustomizer> customizers;

  public NetnsProvisioner(
      String labId, Path stateDir, String clientPublicKey, List<HostCustomizer> customizers) {
    this.labId = labId;
    this.stateDir = stateDir;
    this.clientPublicKey = clientPublicKey;
    this.customizers = customizers;
  }

  /** What is missing for netns hosts on this machine, or empty when they can run. */
  public static List<String> missingPrerequisites() {
    List<String> missing = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) {
      missing.add("root (running as " + System.getProperty("user.name") + ")");
    }
    if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
      missing.add("OpenSSH server /usr/sbin/sshd (package openssh-server)");
    }
    for (String tool : List.of("unshare", "nsenter", "setsid", "ip", "mount", "flock")) {
      if (which(tool) == null) {
        missing.add(tool);
      }
    }
    return missing;
  }

  static Path which(String tool) {
    for (String dir :
        System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Claims a lab slot: the first (or the requested) one whose bridge does not exist and whose
   * 10.213 block has no address on this machine. Creating the bridge is the atomic claim.
   */
  public static AddressPlan claimSlot(Integer requested) {
    ExecResult addrs = Proc.run(IP_TIMEOUT, List.of("ip", "-4", "-o", "addr", "show"));
    List<Integer> used = new ArrayList<>();
    Matcher m = Pattern.compile("inet 10\\.213\\.(\\d+)\\.").matcher(addrs.stdout());
    while (m.find()) {
      used.add(Integer.parseInt(m.group(1)) / 16);
    }
    for (int k = 0; k < AddressPlan.SLOTS; k++) {
      if ((requested != null && k != requested) || used.contains(k)) {
        continue;
      }
      AddressPlan plan = new AddressPlan(k);
      ExecResult r =
          Proc.run(IP_TIMEOUT, List.of("ip", "link", "add", plan.bridge(), "type", "bridge"));
      if (r.ok()) {
        return plan;
      }
    }
    throw new LabException(
        requested != null
            ? "lab slot "
                + requested
                + " is taken (bridge graftlab"
                + requested
                + " or its addresses exist)"
            : "all "
                + AddressPlan.SLOTS
                + " lab slots are taken; run `graft lab down` for stale labs");
  }

  /** Gives the claimed bridge its address and brings it up. */
  public static void configureBridge(AddressPlan plan) {
    Proc.run(
            IP_TIMEOUT,
            List.of(
                "ip",
                "addr",
                "add",
                plan.gateway() + "/" + AddressPlan.PREFIX,
                "dev",
                plan.bridge()))
        .orThrow("ip addr add on " + plan.bridge());
    Proc.run(IP_TIMEOUT, List.of("ip", "link", "set", plan.bridge(), "up"))
        .orThrow("ip link set " + plan.bridge() + " up");
    // Immediate ACKs towards the lab subnet (our bridge's own route; nothing else changes).
    Proc.run(
        IP_TIMEOUT,
        List.of(
            "ip",
            "route",
            "change",
            plan.subnet(),
            "dev",
            plan.bridge(),
            "proto",
            "kernel",
            "scope",
            "link",
            "src",
            plan.gateway(),
            "quickack",
            "1"));
  }

  /**
   * Starts every host; {@code spawned} receives each holder as soon as it runs (for the state
   * file), before the host is ready.
   */
  public List<NetnsHost> start(
      AddressPlan plan, List<HostPlan> hosts, Duration timeout, Consumer<NetnsHost> spawned)
      throws IOException {
    Path init = stateDir.resolve("netns-init.sh");
    Files.writeString(init, HostScripts.resource("netns-init.sh"));
    String etcHosts = etcHosts(hosts);
    ExecutorService pool = Threads.bounded("graft-lab-start", PARALLEL);
    List<Future<NetnsHost>> futures = new ArrayList<>();
    try {
      for (HostPlan h : hosts) {
        futures.add(
            pool.submit(
                () -> {
                  NetnsHost host = startOne(plan, h, init, etcHosts);
                  spawned.accept(host);
                  return host;
                }));
      }
      List<NetnsHost> out = new ArrayList<>();
      for (Future<NetnsHost> f : futures) {
        out.add(f.get());
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      for (NetnsHost h : out) {
        awaitReady(h, deadline);
      }
      return out;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof LabException le ? le : new LabException(c.getMessage(), c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("interrupted while starting hosts", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private NetnsHost startOne(AddressPlan plan, HostPlan h, Path init, String etcHosts)
      throws IOException {
    Path dir = stateDir.resolve("hosts").resolve(h.name());
    for (String d : OVERLAYS) {
      Path upper = dir.resolve("upper").resolve(d);
      Files.createDirectories(upper);
      // The overlay's root takes the upper dir's mode: keep /root at 700, /etc at 755.
      Files.setPosixFilePermissions(upper, Files.getPosixFilePermissions(Path.of("/" + d)));
      Files.createDirectories(dir.resolve("work").resolve(d));
    }
    SeedTree seed =
        new SeedTree(
            h.name(),
            h.index(),
            h.address(),
            h.roles(),
            LabKind.NETNS,
            plan.gateway(),
            stateDir,
            dir.resolve("seed"),
            "",
            SeedTree.NETNS_ROOTS);
    Files.createDirectories(seed.base());
    KeyPair hostKey = SshKeys.generate();
    Path keyFile = dir.resolve("ssh_host_ed25519_key");
    String pub = SshKeys.write(hostKey, keyFile, "root@" + h.name());
    seed.writeFile("/etc/ssh/graft-lab/ssh_host_ed25519_key", Files.readAllBytes(keyFile), 0600);
    seed.writeFile("/etc/ssh/graft-lab/sshd_config", sshdConfig(h.address()), 0644);
    seed.writeFile("/root/.ssh/authorized_keys", clientPublicKey + "\n", 0600);
    Files.setPosixFilePermissions(seed.resolve("/root/.ssh"), SeedTree.perms(0700));
    seed.writeFile("/etc/hostname", h.name() + "\n", 0644);
    seed.writeFile("/etc/hosts", etcHosts, 0644);
    HostScripts.install(seed);
    // A fresh host's root shell profile, not the machine's (which may run pyenv & co. on every
    // SSH command: ~100 processes and ~200 ms per login here).
    for (String f : List.of(".bashrc", ".profile")) {
      Path skel = Path.of("/etc/skel", f);
      seed.writeFile(
          "/root/" + f, Files.exists(skel) ? Files.readAllBytes(skel) : new byte[0], 0644);
    }
    for (HostCustomizer c : customizers) {
      c.customize(seed);
    }

    String marker = "graft-lab-holder:" + labId + ":" + h.name();
    ProcessBuilder pb =
        new ProcessBuilder(
            "setsid",
            "unshare",
            "--net",
            "--mount",
            "--uts",
            "--propagation",
            "private",
            "--",
            "/bin/bash",
            init.toString());
    pb.environment().clear();
    pb.environment()
        .putAll(
            Map.of(
                "PATH", NetnsHost.PATH_ENV,
                "LANG", "C.UTF-8",
                "GL_NAME", h.name(),
                "GL_ADDR", h.address(),
                "GL_PREFIX", Integer.toString(AddressPlan.PREFIX),
                "GL_SUBNET", plan.subnet(),
                "GL_HOSTDIR", dir.toString(),
                "GL_MARKER", marker,
                "GRAFT_LAB_ID", labId,
                "GRAFT_LAB_HOST", h.name()));
    pb.environment().put("GL_KEEP", String.join(":", keepUnderTmp()));
    pb.directory(Path.of("/").toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    PidRef holder = PidRef.of(p.pid());
    if (holder == null) {
      throw new LabException(
          "host " + h.name() + ": holder exited at once; see " + dir.resolve("init.log"));
    }
    String netns = awaitOwnNetns(h.name(), holder, dir);
    String veth = plan.veth(h.index());
    // The peer is created directly inside the host's namespace, as eth0.
    String batch =
        String.join(
            "\n",
            "link add " + veth + " type veth peer name eth0 netns " + holder.pid(),
            "link set " + veth + " master " + plan.bridge(),
            "link set " + veth + " up",
            "");
    Proc.run(
            IP_TIMEOUT,
            List.of("ip", "-batch", "-"),
            null,
            null,
            batch.getBytes(StandardCharsets.US_ASCII))
        .orThrow("host " + h.name() + ": veth " + veth);
    return new NetnsHost(
        labId,
        h.name(),
        h.index(),
        h.address(),
        h.roles(),
        pub.substring(0, pub.lastIndexOf(' ')),
        veth,
        holder,
        netns);
  }

  /** Waits until the holder has left the lab's network namespace (unshare done). */
  private static String awaitOwnNetns(String name, PidRef holder, Path dir) {
    String mine = PidRef.nsOf(ProcessHandle.current().pid(), "net");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      String ns = holder.netns();
      if (!holder.alive()) {
        break;
      }
      if (ns != null && !ns.equals(mine)) {
        return ns;
      }
      Procfs.sleep(2);
    }
    throw new LabException(
        "host " + name + ": holder did not enter its namespaces; " + tail(dir.resolve("init.log")));
  }

  private void awaitReady(NetnsHost h, long deadline) {
    Path ready = Path.of("/proc", Long.toString(h.holder().pid()), "root", "run/graft-lab/ready");
    Path log = stateDir.resolve("hosts").resolve(h.name()).resolve("init.log");
    while (System.nanoTime() < deadline) {
      if (!h.holder().alive()) {
        throw new LabException("host " + h.name() + " failed to start: " + tail(log));
      }
      if (Files.exists(ready)) {
        return;
      }
      Procfs.sleep(10);
    }
    throw new LabException("host " + h.name() + " not ready in time: " + tail(log));
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no " + log + ")";
    }
  }

  static String sshdConfig(String address) {
    return String.join(
        "\n",
        "# graft lab host: key-only root login on the lab address only.",
        "ListenAddress " + address + ":22",
        "HostKey /etc/ssh/graft-lab/ssh_host_ed25519_key",
        "PidFile " + NetnsHost.SSHD_PIDFILE,
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "AuthorizedKeysFile .ssh/authorized_keys",
        // curve25519 only: OpenSSH clients prefer sntrup761, which costs ~150 ms more per login.
        "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org",
        "PrintMotd no",
        "UseDNS no",
        "MaxStartups 200:30:400",
        "MaxSessions 64",
        "AcceptEnv LANG LC_*",
        "Subsystem sftp internal-sftp",
        "");
  }

  private String etcHosts(List<HostPlan> hosts) throws IOException {
    StringBuilder sb = new StringBuilder(Files.readString(Path.of("/etc/hosts")));
    sb.append("\n# graft lab ").append(labId).append('\n');
    for (HostPlan h : hosts) {
      sb.append(h.address()).append(' ').append(h.name()).append('\n');
    }
    return sb.toString();
  }

  /**
   * Directories under /tmp that must stay visible inside hosts, whose /tmp is a private tmpfs:
   * those that hold this JVM's classpath (the stand-ins run Java from it; CI may clone the project
   * under /tmp). The host sees them read-only.
   */
  static List<String> keepUnderTmp() {
    TreeSet<String> keep = new TreeSet<>();
    List<String> paths =
        new ArrayList<>(
            List.of(System.getProperty("java.class.path", "").split(File.pathSeparator)));
    paths.add(System.getProperty("java.home", ""));
    for (String entry : paths) {
      Path abs;
      try {
        abs = Path.of(entry).toAbsolutePath().normalize();
      } catch (RuntimeException e) {
        continue;
      }
      if (abs.getNameCount() >= 2 && abs.startsWith("/tmp")) {
        String top = "/tmp/" + abs.getName(1);
        if (top.matches("/tmp/[A-Za-z0-9._-]+")) {
          keep.add(top);
        }
      }
    }
    return new ArrayList<>(keep);
  }
}
