package dev.graft.lab.bootstrap;

import dev.graft.lab.BootstrapState;
import dev.graft.lab.InventoryWriter;
import dev.graft.lab.LabException;
import dev.graft.lab.LabHost;
import dev.graft.lab.LabKind;
import dev.graft.lab.LabState;
import dev.graft.lab.standin.ApiStandin;
import dev.graft.lab.standin.AptRepo;
import dev.graft.lab.standin.StandinConfig;
import dev.graft.lab.standin.StandinInstaller;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the lab's hosts to the stand-ins: starts the API stand-in on the lab bridge (netns) or
 * 127.0.0.1 (in-process), installs the stand-ins on every host, plays `kubeadm init` on host 1
 * ({@link ClusterBootstrap}), copies host 1's etcd CA and apiserver-etcd-client pair into the state
 * dir, and records it all in lab.json and the inventories. The returned API stand-in lives in this
 * JVM; the lab closes it.
 */
public final class LabBootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(LabBootstrap.class);

  /** kube-apiserver's port; a free one is taken when it is in use (several in-process labs). */
  public static final int API_PORT = 6443;

  private static final int INSTALL_PARALLELISM = 4;

  /** How the lab lets the bootstrap read and change its state. */
  public interface Target {
    LabState state();

    List<LabHost> hosts();

    void update(UnaryOperator<LabState> change);
  }

  private LabBootstrap() {}

  public static ApiStandin run(Target lab, Duration nodeMonitorGrace)
      throws IOException, InterruptedException {
    return run(lab, nodeMonitorGrace, BootstrapSpec.defaults().kubernetesVersion(), null);
  }

  /**
   * With {@code upgradeTo} set, every host first gets the stand-in packages' apt repository with
   * {@code kubernetesVersion} and {@code upgradeTo}, and the packages of {@code kubernetesVersion}
   * installed through its own apt-get ({@link AptRepo}); netns hosts only.
   */
  public static ApiStandin run(
      Target lab, Duration nodeMonitorGrace, String kubernetesVersion, String upgradeTo)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    LabState s = lab.state();
    LabHost first = lab.hosts().get(0);
    if (!first.roles().contains("control-plane") || !first.roles().contains("etcd")) {
      // ClusterBootstrap plays a stacked `kubeadm init`; an external-etcd layout would contradict
      // the inventory the lab wrote.
      throw new LabException(
          "--bootstrap makes host 1 a control plane with stacked etcd; host "
              + first.name()
              + " has roles "
              + first.roles()
              + " (drop --external-etcd)");
    }
    Path stateDir = Path.of(s.stateDir());
    if (upgradeTo != null && s.kind() != LabKind.NETNS) {
      throw new LabException(
          "an upgradable lab (upgradeTo "
              + upgradeTo
              + ") needs netns hosts:"
              + " an in-process host's apt-get and dpkg database are the machine's own");
    }
    Path repo =
        upgradeTo == null
            ? null
            : AptRepo.build(
                stateDir.resolve("apt"),
                List.of(kubernetesVersion, upgradeTo).stream().distinct().toList());
    String bind = s.kind() == LabKind.NETNS ? s.gateway() : "127.0.0.1";
    ApiStandin api = startApi(bind, stateDir.resolve("kubeconfig"), nodeMonitorGrace);
    try {
      // kubeadm init with the lab's cluster name in its ClusterConfiguration, so that the
      // cluster names itself as the lab does (Graft takes the name from kubeadm-config).
      BootstrapSpec spec =
          BootstrapSpec.defaults()
              .withKubernetesVersion(kubernetesVersion)
              .withClusterName(s.clusterName());
      Map<String, StandinConfig> configs =
          configs(lab.hosts(), s.kind(), StandinConfig.ofThisJvm(spec.kubernetesVersion()));
      install(lab.hosts(), configs, repo, kubernetesVersion);
      long installed = System.nanoTime();
      StandinConfig c1 = configs.get(first.name());
      BootstrapResult r =
          ClusterBootstrap.bootstrap(
              new LabStandinHost(first),
              api,
              spec.withEtcdPorts(c1.etcdClientPort(), c1.etcdPeerPort()));
      Path etcdDir = Files.createDirectories(stateDir.resolve("etcd"));
      Path ca = copy(first, r.etcdCaPath(), etcdDir.resolve("ca.crt"), "rw-r--r--");
      Path cert =
          copy(
              first,
              r.etcdClientCertPath(),
              etcdDir.resolve("apiserver-etcd-client.crt"),
              "rw-r--r--");
      Path key =
          copy(
              first,
              r.etcdClientKeyPath(),
              etcdDir.resolve("apiserver-etcd-client.key"),
              "rw-------");
      double secs = (System.nanoTime() - t0) / 1e9;
      BootstrapState b =
          new BootstrapState(
              r.nodeName(),
              ca.toString(),
              cert.toString(),
              key.toString(),
              r.caCertHash(),
              Math.round(secs * 100) / 100.0,
              kubernetesVersion);
      lab.update(
          st ->
              st.withBootstrap(
                  api.url(), api.adminKubeconfig().toString(), List.of(r.etcdEndpoint()), b));
      InventoryWriter.write(lab.state());
      LOG.info(
          "lab {}: bootstrapped {} in {} s (API and stand-ins on {} hosts {} ms, kubeadm"
              + " init {} ms; API {}, etcd {})",
          s.id(),
          r.nodeName(),
          b.seconds(),
          lab.hosts().size(),
          (installed - t0) / 1_000_000,
          (System.nanoTime() - installed) / 1_000_000,
          api.url(),
          r.etcdEndpoint());
      return api;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      api.close();
      throw e;
    }
  }

  private static ApiStandin startApi(String bind, Path workDir, Duration grace) throws IOException {
    ApiStandin.Options o = ApiStandin.Options.loopback(workDir).withGrace(grace);
    try {
      return ApiStandin.start(o.withBind(bind, API_PORT));
    } catch (BindException e) {
      LOG.info("{}:{} is in use; the API stand-in takes a free port", bind, API_PORT);
      return ApiStandin.start(o.withBind(bind, 0));
    }
  }

  /**
   * One config per host. netns hosts have their own network stack, so every etcd member uses
   * 2379/2380; in-process hosts share 127.0.0.1 and each gets free ports.
   */
  private static Map<String, StandinConfig> configs(
      List<LabHost> hosts, LabKind kind, StandinConfig base) throws IOException {
    Map<String, StandinConfig> out = new LinkedHashMap<>();
    for (LabHost h : hosts) {
      out.put(h.name(), kind == LabKind.NETNS ? base : base.withEtcdPorts(freePort(), freePort()));
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static void install(
      List<LabHost> hosts, Map<String, StandinConfig> configs, Path repo, String version)
      throws IOException {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(INSTALL_PARALLELISM, hosts.size()),
            r -> {
              Thread t = new Thread(r, "graft-lab-standin-install");
              t.setDaemon(true);
              return t;
            });
    try {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (LabHost h : hosts) {
        all.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    StandinInstaller.install(new LabStandinHost(h), configs.get(h.name()));
                    if (repo != null) {
                      AptRepo.configure(new LabStandinHost(h), repo, version);
                    }
                  } catch (IOException e) {
                    throw new CompletionException(e);
                  }
                },
                pool));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw c instanceof RuntimeException re ? re : new LabException("install failed", c);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Path copy(LabHost from, String hostPath, Path to, String perms)
      throws IOException {
    String content =
        from.readFile(hostPath)
            .orElseThrow(
                () -> new LabException("bootstrap: " + hostPath + " is missing on " + from.name()));
    // Created private, then opened up as asked, so a key is never readable by others.
    Files.deleteIfExists(to);
    Files.createFile(
        to, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(to, content);
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(perms));
    return to;
  }
}
