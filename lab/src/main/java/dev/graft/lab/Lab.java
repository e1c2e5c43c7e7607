package dev.graft.lab;

import dev.graft.lab.bootstrap.LabBootstrap;
import dev.graft.lab.host.FaultableHost;
import dev.graft.lab.host.HostPlan;
import dev.graft.lab.host.InprocessHost;
import dev.graft.lab.host.InprocessProvisioner;
import dev.graft.lab.host.NetnsHost;
import dev.graft.lab.host.NetnsProvisioner;
import dev.graft.lab.host.SshKeys;
import dev.graft.lab.host.Teardown;
import dev.graft.lab.standin.ApiStandin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lab: N hosts reachable over SSH, their keys, known_hosts, inventories and state file.
 *
 * <pre>{@code
 * try (Lab lab = Lab.up(LabSpec.builder().nodes(3).build())) {
 *   LabHost h = lab.host("k8s-node1");
 *   h.exec(Duration.ofSeconds(5), "hostname");
 * }
 * }</pre>
 *
 * {@link #close()} (also run by a JVM shutdown hook) removes every host, link and file; {@link
 * #down(Path)} does the same from another process. A CLI `lab up` calls {@link #detach()} so netns
 * hosts outlive it.
 */
public final class Lab implements AutoCloseable, LabBootstrap.Target {
  private static final Logger LOG = LoggerFactory.getLogger(Lab.class);
  public static final int STATE_VERSION = 1;

  private final Path stateDir;
  private volatile LabState state;
  private final Map<String, FaultableHost> hosts = new LinkedHashMap<>();
  private final List<InprocessHost> servers = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread hook;
  private volatile boolean detached;

  /** At the end, stop only the API stand-in and leave the hosts (see {@link #keepHosts()}). */
  private volatile boolean keepHosts;

  /** The API stand-in of a bootstrapped lab; it lives in this JVM. */
  private volatile ApiStandin api;

  private Lab(Path stateDir, LabState state) {
    this.stateDir = stateDir;
    this.state = state;
    this.hook = new Thread(this::closeFromHook, "graft-lab-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** $GRAFT_LAB_DIR, else /tmp/graft-lab: where the CLI keeps its lab. */
  public static Path defaultStateDir() {
    String env = System.getenv("GRAFT_LAB_DIR");
    return Path.of(env != null && !env.isBlank() ? env : "/tmp/graft-lab").toAbsolutePath();
  }

  /** AUTO resolves to NETNS when root and OpenSSH are present, INPROCESS otherwise. */
  public static LabKind resolveKind(LabKind kind) {
    List<String> missing = NetnsProvisioner.missingPrerequisites();
    if (kind == LabKind.AUTO) {
      return missing.isEmpty() ? LabKind.NETNS : LabKind.INPROCESS;
    }
    if (kind == LabKind.NETNS && !missing.isEmpty()) {
      throw new LabException(
          "netns hosts need " + String.join(", ", missing) + "; use --kind inprocess (or auto)");
    }
    return kind;
  }

  /** Brings a lab up; on any failure everything already made is removed before the throw. */
  public static Lab up(LabSpec spec) {
    LabKind kind = resolveKind(spec.kind());
    String id = HexFormat.of().formatHex(random(6));
    Path dir =
        (spec.stateDir() != null ? spec.stateDir() : Path.of("/tmp", "graft-lab-" + id))
            .toAbsolutePath()
            .normalize();
    prepareDir(dir, id);
    Lab lab = null;
    try {
      Path key = dir.resolve("id_ed25519");
      KeyPair client = SshKeys.generate();
      String clientPub = SshKeys.write(client, key, "graft-lab-" + id);
      String clientLine = clientPub.substring(0, clientPub.lastIndexOf(' '));
      LabState s =
          LabState.created(
              STATE_VERSION,
              id,
              kind,
              dir,
              Instant.now().toString(),
              PidRef.of(ProcessHandle.current().pid()),
              spec.clusterName(),
              key);
      s.write();
      lab = new Lab(dir, s);
      if (kind == LabKind.NETNS) {
        lab.startNetns(spec, id, clientLine);
      } else {
        lab.startInprocess(spec, id, client);
      }
      LabState done = lab.state;
      Files.writeString(Path.of(done.knownHosts()), InventoryWriter.knownHosts(done));
      InventoryWriter.write(done);
      LOG.info("lab {} up: {} {} hosts, state in {}", id, spec.nodes(), kind.label(), dir);
      if (spec.bootstrap()) {
        lab.api =
            LabBootstrap.run(
                lab, spec.nodeMonitorGracePeriod(), spec.kubernetesVersion(), spec.upgradeTo());
      }
      return lab;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (lab != null) {
        lab.close();
      } else {
        Teardown.down(dir);
      }
      throw e instanceof LabException le
          ? le
          : new LabException("lab up failed: " + e.getMessage(), e);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private void startNetns(LabSpec spec, String id, String clientLine) throws IOException {
    AddressPlan plan = NetnsProvisioner.claimSlot(spec.slot());
    update(
        s ->
            s.withNetwork(
                plan.bridge(),
                plan.subnet(),
                plan.gateway(),
                "https://" + plan.gateway() + ":6443"));
    NetnsProvisioner.configureBridge(plan);
    List<HostPlan> plans = plans(spec, plan::host);
    Map<String, HostState> spawned = new ConcurrentHashMap<>();
    List<NetnsHost> started;
    try {
      started =
          new NetnsProvisioner(id, stateDir, clientLine, spec.customizers())
              .start(
                  plan, plans, spec.startTimeout(), h -> spawned.put(h.name(), hostState(h, null)));
    } finally {
      // Whatever was spawned is on record before anything else can fail.
      List<HostState> partial =
          plans.stream().map(p -> spawned.get(p.name())).filter(Objects::nonNull).toList();
      update(s -> s.withHosts(partial));
    }
    List<HostState> recorded = new ArrayList<>();
    for (NetnsHost h : started) {
      hosts.put(h.name(), h);
      PidRef sshd =
          h.readFile("/run/graft-lab/sshd.pid")
              .map(String::strip)
              .filter(t -> t.matches("[0-9]+"))
              .map(t -> PidRef.of(Long.parseLong(t)))
              .orElse(null);
      recorded.add(hostState(h, sshd));
    }
    update(s -> s.withHosts(recorded));
  }

  private HostState hostState(NetnsHost h, PidRef sshd) {
    return new HostState(
        h.name(),
        h.index(),
        h.address(),
        22,
        h.roles(),
        h.hostKey(),
        stateDir.resolve("hosts").resolve(h.name()).toString(),
        h.veth(),
        h.netns(),
        h.holder(),
        sshd);
  }

  private void startInprocess(LabSpec spec, String id, KeyPair client) throws IOException {
    update(s -> s.withLoopbackApi("https://127.0.0.1:6443"));
    List<HostPlan> plans = plans(spec, i -> "127.0.0.1");
    List<InprocessHost> started =
        new InprocessProvisioner(id, stateDir, client.getPublic(), spec.customizers())
            .start(plans, servers);
    List<HostState> recorded = new ArrayList<>();
    for (InprocessHost h : started) {
      hosts.put(h.name(), h);
      recorded.add(
          HostState.inprocess(
              h.name(),
              h.index(),
              h.address(),
              h.sshPort(),
              h.roles(),
              h.hostKey(),
              h.rootPrefix()));
    }
    update(s -> s.withHosts(recorded));
  }

  private static List<HostPlan> plans(LabSpec spec, IntFunction<String> addr) {
    List<HostPlan> plans = new ArrayList<>();
    for (int i = 1; i <= spec.nodes(); i++) {
      plans.add(new HostPlan(spec.namePrefix() + i, i, addr.apply(i), spec.roles().rolesFor(i)));
    }
    return plans;
  }

  private static void prepareDir(Path dir, String id) {
    try {
      if (Files.exists(dir)) {
        Optional<String> existing = Teardown.labId(dir);
        if (existing.isPresent()) {
          Optional<LabState> s = status(dir);
          if (s.isPresent() && live(s.get())) {
            throw new LabException(
                "a lab is already up in "
                    + dir
                    + " (lab "
                    + s.get().id()
                    + "); run `graft lab down --state-dir "
                    + dir
                    + "` first");
          }
          LOG.info("removing the stale lab in {}", dir);
          Teardown.down(dir);
        } else {
          try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
              throw new LabException(
                  dir + " exists and is not a lab state dir; choose an empty or new directory");
            }
          }
        }
      }
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Files.writeString(dir.resolve(Teardown.MARKER), id + "\n");
    } catch (IOException e) {
      throw new LabException("cannot prepare state dir " + dir + ": " + e.getMessage(), e);
    }
  }

  /** True while any of the lab's hosts (or, in-process, its serving JVM) still runs. */
  public static boolean live(LabState s) {
    if (s.kind() == LabKind.INPROCESS) {
      return s.owner() != null && s.owner().alive() && !s.hosts().isEmpty();
    }
    return s.hosts().stream().anyMatch(h -> h.holder() != null && h.holder().alive());
  }

  /** The state of the lab in {@code stateDir}, if there is one. */
  public static Optional<LabState> status(Path stateDir) {
    if (!Files.exists(LabState.file(stateDir))) {
      return Optional.empty();
    }
    try {
      return Optional.of(LabState.read(stateDir));
    } catch (IOException e) {
      throw new LabException("cannot read " + LabState.file(stateDir) + ": " + e.getMessage(), e);
    }
  }

  /** Removes the lab in {@code stateDir} from any process; idempotent. */
  public static List<String> down(Path stateDir) {
    return Teardown.down(stateDir.toAbsolutePath().normalize());
  }

  /**
   * Hosts of a running netns lab started by another process (e.g. for `graft lab fault`). The
   * returned lab does not own them: closing it changes nothing.
   */
  public static Lab attach(Path stateDir) {
    LabState s = status(stateDir).orElseThrow(() -> new LabException("no lab in " + stateDir));
    if (s.kind() != LabKind.NETNS) {
      throw new LabException(
          "only netns labs can be attached from another process; lab "
              + s.id()
              + " is "
              + s.kind().label()
              + " and lives in PID "
              + s.owner().pid());
    }
    Lab lab = new Lab(stateDir, s);
    lab.detach();
    for (HostState h : s.hosts()) {
      lab.hosts.put(
          h.name(),
          new NetnsHost(
              s.id(),
              h.name(),
              h.index(),
              h.address(),
              h.roles(),
              h.hostKey(),
              h.veth(),
              h.holder(),
              h.netns()));
    }
    return lab;
  }

  @Override
  public LabState state() {
    return state;
  }

  public Path stateDir() {
    return stateDir;
  }

  @Override
  public List<LabHost> hosts() {
    return List.copyOf(hosts.values());
  }

  public LabHost host(String name) {
    return faultable(name);
  }

  private FaultableHost faultable(String name) {
    FaultableHost h = hosts.get(name);
    if (h == null) {
      throw new LabException(
          "no host '"
              + name
              + "' in lab "
              + state.id()
              + " (hosts: "
              + String.join(", ", hosts.keySet())
              + ")");
    }
    return h;
  }

  /** The API stand-in of a bootstrapped lab (it serves in this JVM); empty otherwise. */
  public Optional<ApiStandin> api() {
    return Optional.ofNullable(api);
  }

  public LabFaults faults() {
    return new LabFaults(this::faultable, this::api);
  }

  /** Changes and persists the state (e.g. the bootstrap records the kubeconfig and etcd). */
  @Override
  public synchronized void update(UnaryOperator<LabState> change) {
    LabState next = change.apply(state);
    try {
      next.write();
    } catch (IOException e) {
      throw new LabException("cannot write " + LabState.file(stateDir) + ": " + e.getMessage(), e);
    }
    state = next;
  }

  /** Leaves the hosts running after this JVM exits; {@link #close()} then does nothing. */
  public void detach() {
    if (api != null) {
      throw new LabException(
          "lab "
              + state.id()
              + " is bootstrapped: its API stand-in lives in"
              + " this JVM, so the lab cannot outlive it");
    }
    detached = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook checks `detached`.
    }
  }

  /**
   * Keeps the hosts when this JVM ends (or on {@link #close()}): a bootstrapped lab's API stand-in
   * lives in this JVM and stops with it, but the hosts (their OpenSSH, etcd, routes and stand-in
   * processes) and lab.json stay for {@code graft lab status}, {@code ssh} and {@code graft lab
   * down}. Without a bootstrap this is {@link #detach()}.
   */
  public void keepHosts() {
    if (api == null) {
      detach();
      return;
    }
    keepHosts = true;
  }

  private void closeFromHook() {
    if (!detached) {
      shutdown();
    }
  }

  @Override
  public void close() {
    if (detached) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Called during shutdown: the hook is running or about to.
    }
    shutdown();
  }

  private void shutdown() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ApiStandin a = api;
    if (a != null) {
      try {
        a.close();
      } catch (RuntimeException e) {
        LOG.warn("lab {}: stopping the API stand-in failed: {}", state.id(), e.toString());
      }
    }
    if (keepHosts) {
      LOG.info(
          "lab {}: the API stand-in stopped; the hosts stay (graft lab down removes them)",
          state.id());
      return;
    }
    for (InprocessHost h : servers) {
      try {
        h.close();
      } catch (RuntimeException e) {
        LOG.warn("host {}: stopping its SSH server failed: {}", h.name(), e.toString());
      }
    }
    for (String line : Teardown.down(stateDir)) {
      LOG.info("lab {}: {}", state.id(), line);
    }
  }
}
