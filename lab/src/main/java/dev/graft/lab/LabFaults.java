package dev.graft.lab;

import dev.graft.lab.host.FaultableHost;
import dev.graft.lab.host.HostScripts;
import dev.graft.lab.standin.ApiFaults;
import dev.graft.lab.standin.ApiStandin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Fault injection into lab hosts, by host name. Command failures use the wrapper of lab.sh ({@code
 * /run/graft-lab/fail/COMMAND}), which stand-ins honour by calling graft_lab_fault_hooks. Kubelet
 * and etcd kills are {@link #killByPidFile} with the stand-ins' PID files.
 */
public final class LabFaults {
  private final Function<String, FaultableHost> hosts;
  private final Supplier<Optional<ApiStandin>> api;

  LabFaults(Function<String, FaultableHost> hosts) {
    this(hosts, Optional::empty);
  }

  LabFaults(Function<String, FaultableHost> hosts, Supplier<Optional<ApiStandin>> api) {
    this.hosts = hosts;
    this.api = api;
  }

  /**
   * Faults of the lab's Kubernetes API stand-in (a fraction of requests answered 500 or closed, for
   * a while): see {@link ApiFaults}. The stand-in serves in the JVM that ran {@code lab up}, so
   * only that JVM can inject them.
   */
  public ApiFaults api() {
    return api.get()
        .map(ApiStandin::faults)
        .orElseThrow(
            () ->
                new LabException(
                    "this lab has no API stand-in in this JVM (bootstrap the lab in this process first)"));
  }

  /** Namespace of the objects {@link #blockDrain} creates. */
  public static final String DRAIN_NAMESPACE = "graft-lab";

  /**
   * A drain of {@code node} that a PodDisruptionBudget blocks, as an SRE's single-replica workload
   * with {@code maxUnavailable: 0} does: a Running, Ready pod {@code blocked-<node>} (an object
   * only; no process) on the node in namespace {@value #DRAIN_NAMESPACE}, and the budget {@code
   * block-<node>} covering it. Evicting the pod then answers 429 ("Cannot evict pod as it would
   * violate the pod's disruption budget."); the budget's status shows 0 disruptions allowed.
   * Returns the budget's name; {@link #unblockDrain} deletes it.
   */
  public String blockDrain(String node) {
    ApiStandin a =
        api.get()
            .orElseThrow(
                () ->
                    new LabException(
                        "this lab has no API stand-in in this JVM (bootstrap the lab in this process first)"));
    String app = "blocked-" + node;
    a.createTestPod(node, DRAIN_NAMESPACE, app, Map.of("app", app));
    return a.createBudget(DRAIN_NAMESPACE, "block-" + node, Map.of("app", app), 0)
        .getMetadata()
        .getName();
  }

  /** Deletes the budget {@link #blockDrain} created, so the node's drain can finish. */
  public void unblockDrain(String node) {
    api.get()
        .ifPresent(
            a ->
                a.client()
                    .policy()
                    .v1()
                    .podDisruptionBudget()
                    .inNamespace(DRAIN_NAMESPACE)
                    .withName("block-" + node)
                    .delete());
  }

  /**
   * Takes the host's link down for {@code down}, up for {@code up}, {@code times} times, in the
   * background (netns only), and leaves it up at the end. Cancelling the returned flap (or its
   * {@link Flap#close}) stops it and restores the link; {@link Flap#await} waits for the end.
   */
  public Flap flapLink(String host, Duration down, Duration up, int times) {
    if (down.isNegative() || down.isZero() || up.isNegative() || times < 1) {
      throw new IllegalArgumentException("a flap needs down > 0, up >= 0 and times >= 1");
    }
    FaultableHost h = hosts.apply(host);
    if (h.kind() != LabKind.NETNS) {
      throw new LabException("host " + host + " is in-process: it has no link to flap");
    }
    CompletableFuture<Integer> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              int begun = 0;
              try {
                while (begun < times) {
                  h.cutLink(true);
                  begun++;
                  Thread.sleep(down.toMillis());
                  h.cutLink(false);
                  if (begun < times) {
                    Thread.sleep(up.toMillis());
                  }
                }
                done.complete(begun);
              } catch (InterruptedException e) {
                done.complete(begun);
              } catch (RuntimeException e) {
                done.completeExceptionally(e);
              } finally {
                try {
                  h.cutLink(false);
                } catch (RuntimeException e) {
                  done.completeExceptionally(e);
                }
              }
            },
            "lab-flap-" + host);
    t.setDaemon(true);
    t.start();
    return new Flap(t, done);
  }

  /** A link flap running in the background. */
  public static final class Flap implements AutoCloseable {
    private final Thread thread;
    private final CompletableFuture<Integer> done;

    Flap(Thread thread, CompletableFuture<Integer> done) {
      this.thread = thread;
      this.done = done;
    }

    /** Stops flapping; the link is up when this returns. Returns the down periods begun. */
    public int cancel() {
      thread.interrupt();
      return await(Duration.ofSeconds(30));
    }

    /** Waits for the flap to end; returns how many down periods it began. */
    public int await(Duration timeout) {
      try {
        return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LabException("interrupted while waiting for a link flap");
      } catch (ExecutionException e) {
        throw new LabException("link flap failed: " + e.getCause().getMessage(), e.getCause());
      } catch (TimeoutException e) {
        throw new LabException("link flap still running after " + timeout);
      }
    }

    public boolean done() {
      return done.isDone();
    }

    @Override
    public void close() {
      cancel();
    }
  }

  /** Stops the host's SSH server; open sessions keep running (as with `systemctl stop ssh`). */
  public void stopSshd(String host) {
    hosts.apply(host).stopSshd(false);
  }

  /** Stops the SSH server and kills every open SSH session of the host. */
  public void stopSshdAndSessions(String host) {
    hosts.apply(host).stopSshd(true);
  }

  public void startSshd(String host) {
    hosts.apply(host).startSshd();
  }

  public boolean sshdRunning(String host) {
    return hosts.apply(host).sshdRunning();
  }

  /** Takes the host's link down: nothing reaches it, it reaches nothing (netns only). */
  public void cutLink(String host) {
    hosts.apply(host).cutLink(true);
  }

  public void restoreLink(String host) {
    hosts.apply(host).cutLink(false);
  }

  /**
   * Adds {@code delay} to every packet towards the host with tc netem (netns only; needs the
   * kernel's sch_netem, which some kernels lack: then a LabException says so).
   */
  public void addLatency(String host, Duration delay) {
    if (delay.isNegative() || delay.isZero()) {
      throw new IllegalArgumentException("latency must be positive: " + delay);
    }
    hosts.apply(host).setLatency(delay);
  }

  public void clearLatency(String host) {
    hosts.apply(host).setLatency(Duration.ZERO);
  }

  /** The next {@code times} runs of COMMAND on the host exit 1 without doing anything. */
  public void failNext(String host, String command, int times) {
    failNext(host, command, times, 1);
  }

  public void failNext(String host, String command, int times, int exitCode) {
    hosts.apply(host).failNext(command, times, exitCode);
  }

  /**
   * The next {@code times} runs of COMMAND on the host first sleep {@code delay} (whole seconds,
   * 1..600), then run as usual: a slow step, for tests that act while it runs.
   */
  public void delayNext(String host, String command, int times, Duration delay) {
    hosts.apply(host).delayNext(command, times, (int) Math.max(1, delay.toSeconds()));
  }

  /**
   * The next {@code times} runs of {@code kubeadm join} on the host fail right after {@code phase}
   * has written its files, worded and exiting as kubeadm does when its next step hits a transient
   * error, and leaving on the node what kubeadm leaves at that point (kubeadm's phase names):
   *
   * <ul>
   *   <li>{@code control-plane-prepare}: certificates, kubeconfigs and static pod manifests are
   *       written; kubelet-start's first API call fails ("http2: client connection lost");
   *   <li>{@code kubelet-start}: /var/lib/kubelet/config.yaml, kubeadm-flags.env and, for a worker,
   *       /etc/kubernetes/pki/ca.crt and bootstrap-kubelet.conf are written; the kubelet never
   *       finishes its TLS bootstrap ("timed out waiting for the condition");
   *   <li>{@code control-plane-join/etcd}: the node's etcd member was added as a learner and its
   *       etcd static pod written; the promotion fails, so a half-added member stays in etcd.
   * </ul>
   *
   * Needs the kubeadm stand-in on the host (a lab with the bootstrap).
   */
  public void failJoinAfter(String host, String phase, int times) {
    hosts.apply(host).failJoinAfter(phase, times);
  }

  /**
   * The next {@code times} runs of a kubeadm upgrade step on the host fail as kubeadm fails there,
   * leaving what kubeadm leaves:
   *
   * <ul>
   *   <li>{@code apply/control-plane}: {@code kubeadm upgrade apply} fails while upgrading the
   *       static pods (after etcd's and kube-apiserver's manifests were written), rolls the
   *       manifests back from its backup and exits 1 ("couldn't upgrade control plane. kubeadm has
   *       tried to recover everything into the earlier state"); kubeadm-config keeps the old
   *       version;
   *   <li>{@code node/control-plane}: {@code kubeadm upgrade node} fails in its kubelet-config
   *       phase, after the control-plane phase has rewritten the node's manifests (a worker:
   *       nothing changed), exit 1, "error execution phase kubelet-config: ...".
   * </ul>
   *
   * Needs the kubeadm stand-in on the host (a lab with the bootstrap).
   */
  public void failUpgrade(String host, String fault, int times) {
    hosts.apply(host).armUpgradeFault(fault, times, 0);
  }

  /**
   * The next {@code times} {@code kubeadm upgrade apply} runs on the host stop for {@code pause}
   * right after upgrading etcd's manifest, before kube-apiserver's: a window in which a test can
   * SIGKILL the worker that started the apply and see the (detached) apply carry on.
   */
  public void slowUpgradeApply(String host, int times, Duration pause) {
    hosts.apply(host).armUpgradeFault("apply-pause", times, (int) Math.max(1, pause.toSeconds()));
  }

  /** Every later run of COMMAND on the host is appended to its mutation log. */
  public void recordInvocations(String host, String command) {
    hosts.apply(host).recordInvocations(command);
  }

  /**
   * What a reboot does to a netns host's network, then what its boot restores: every namespace,
   * extra link, non-kernel route, iptables rule and runtime sysctl is gone (eth0 and the lab's own
   * state stay), oneshot units are no longer active; then net.ipv4.ip_forward is applied from
   * /etc/sysctl.d and every unit enabled in multi-user.target.wants is started (the systemctl
   * stand-in must be installed for that part). Processes keep running: this is a reboot of the
   * network state only. Returns what the boot printed.
   */
  public String rebootNetwork(String host) {
    FaultableHost h = hosts.apply(host);
    if (h.kind() != LabKind.NETNS) {
      throw new LabException(
          "host " + host + " is in-process: it has no network state of its own to reboot");
    }
    List<String> argv =
        new ArrayList<>(
            List.of("/bin/sh", "-c", HostScripts.NETWORK_REBOOT, "graft-lab-network-reboot"));
    argv.addAll(machineEnabledUnits());
    ExecResult r = h.exec(Duration.ofSeconds(60), argv.toArray(String[]::new));
    r.orThrow("host " + host + ": network reboot");
    return r.stdout();
  }

  /** Units enabled on the machine itself: a host sees them through its copy-on-write /etc. */
  private static List<String> machineEnabledUnits() {
    Path wants = Path.of("/etc/systemd/system/multi-user.target.wants");
    if (!Files.isDirectory(wants)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(wants)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new LabException("cannot list " + wants + ": " + e.getMessage(), e);
    }
  }

  /** Kills the process in a PID file inside the host, if the process belongs to that host. */
  public boolean killByPidFile(String host, String pidFile, boolean force) {
    Names.absPath("pid file", pidFile);
    return hosts.apply(host).killByPidFile(pidFile, force);
  }
}
